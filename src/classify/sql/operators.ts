/**
 * The operator symbols PostgreSQL defines in pg_catalog (read from `pg_operator` of PostgreSQL
 * 15 to 18: `SELECT DISTINCT oprname FROM pg_operator WHERE oprnamespace =
 * 'pg_catalog'::regnamespace`). Each calls an immutable or stable built-in, so an expression using
 * one of them only reads. A symbol outside this list is somebody's CREATE OPERATOR.
 *
 * A user may still define one of these symbols for other argument types, in a schema searched
 * before pg_catalog; that CREATE OPERATOR is judged by its function (see rules.ts), which is
 * where the door stops it. docs/threat-model.md says what remains.
 */
export const BUILTIN_OPERATORS: ReadonlySet<string> = new Set(
  (
    '!! !~ !~* !~~ !~~* # ## #- #> #>> % & && &< &<| &> * *< *<= *<> *= *> *>= + - -> ->> -|- / < <-> << <<= <<| <= <> <@ <^ = > >= >> ' +
    '>>= >^ ? ?# ?& ?- ?-| ?| ?|| @ @-@ @> @? @@ @@@ ^ ^@ | |&> |/ |>> || ||/ ~ ~* ~<=~ ~<~ ~= ~>=~ ~>~ ~~ ~~* !='
  ).split(' '),
);
