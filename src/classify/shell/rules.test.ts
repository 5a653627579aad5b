import { describe, expect, it } from 'vitest';
import { mostDangerousPart, type OperationClass } from '../../core/operation.js';
import { classifyShell, type ShellContext } from './index.js';
import { readForeignCode } from './interpreters.js';
import { overwriteClass } from './redirections.js';
import { judgeWords } from './verbs.js';

const context: ShellContext = { workspace: '/home/dev/app', home: '/home/dev', protectedBranches: ['main'], upstreams: [], secrets: [] };

async function classOf(command: string): Promise<OperationClass | 'refused'> {
  const result = await classifyShell(command, context);
  return result.ok ? (mostDangerousPart(result.parts)?.class ?? 'read') : 'refused';
}

const TABLE: readonly (readonly [string, string, OperationClass])[] = [
  ['python deleting a tree outside the workspace is destructive', `python3 -c "import shutil; shutil.rmtree('/var/lib/postgresql')"`, 'destructive'],
  ['python printing is ordinary', `python3 -c 'print(1)'`, 'write'],
  ['python running a command is judged by that command', `python3 -c "import os; os.system('git status')"`, 'write'],
  ['python code naming a system path it cannot judge is held', `python3 -c "import tool; tool.run('/var/lib/postgresql')"`, 'destructive'],
  ['node removing /etc is destructive', `node -e 'require("fs").rmSync("/etc",{recursive:true})'`, 'destructive'],
  ['node writing a file in the workspace is a write', `node -e 'require("fs").writeFileSync("out.json", "{}")'`, 'write'],
  ['ruby FileUtils.rm_rf of / is destructive', `ruby -e 'FileUtils.rm_rf("/")'`, 'destructive'],
  ['php unlink outside the workspace is destructive', `php -r 'unlink("/etc/passwd");'`, 'destructive'],
  ['a trap handler is read as the command it runs', `trap 'rm -rf /var/lib/postgresql' EXIT`, 'destructive'],
  ['a trap removing a temporary file is ordinary', `trap 'rm -f "$tmp"' EXIT`, 'write'],
  ['a script written and run on one line is read', `echo 'rm -rf /' > /tmp/x.sh; bash /tmp/x.sh`, 'destructive'],
  ['a harmless script written and run on one line is ordinary', `echo "npm test" > run.sh && sh run.sh`, 'write'],
  ['vim -c with :! runs the shell command', `vim -c ':!rm -rf /'`, 'destructive'],
  ['git -c core.sshCommand runs its value', `git -c core.sshCommand='rm -rf /' fetch`, 'destructive'],
  ['a git alias starting with ! is a shell command', `git config --global alias.x '!rm -rf /'`, 'destructive'],
  ['npx rimraf / is rm -rf /', 'npx rimraf /', 'destructive'],
  ['busybox rm is rm', 'busybox rm -rf /', 'destructive'],
  ['sed -i outside the workspace is destructive', `sed -i '1,$d' /etc/hosts`, 'destructive'],
  ['sed -i inside the workspace is a write', `sed -i 's/a/b/' src/app.ts`, 'write'],
  ['emptying a file outside the workspace is destructive', '> /var/lib/app/important.db', 'destructive'],
  ['appending to a file outside the workspace is a write', 'echo x >> /home/dev/.bashrc', 'write'],
  ['writing to a scratch file is a write', 'echo x > /tmp/out.txt', 'write'],
  ['tar onto a block device is destructive', 'tar -cf /dev/sda .', 'destructive'],
  ['ln without -f never replaces a file', 'ln -s /usr/bin/python3 /home/dev/bin/python', 'write'],
  ['a CLI without rules is judged by its words', 'velero backup delete nightly', 'destructive'],
  ['rolling API keys handles credentials', 'stripe api_keys roll', 'privilege'],
  ['listing secrets shows no values', 'aws secretsmanager list-secrets', 'read'],
  ['a read word in a group does not hide the verb after it', 'aws logs delete-log-group --log-group-name x', 'destructive'],
  ['sync with --delete is destructive', 'aws s3 sync . s3://bucket --delete', 'destructive'],
  [
    'a DELETE change in a JSON argument is destructive',
    `aws route53 change-resource-record-sets --change-batch '{"Changes":[{"Action":"DELETE"}]}'`,
    'destructive',
  ],
  ['git clean -f discards untracked work', 'git clean -fd', 'destructive'],
  ['git checkout -- . discards changes', 'git checkout -- .', 'destructive'],
  ['git checkout -b only makes a branch', 'git checkout -b feature/x', 'write'],
  ['git restore --staged keeps the work', 'git restore --staged a.txt', 'write'],
  ['a command carried by ssh is read', `ssh host 'git clean -fd'`, 'destructive'],
  ['a word hung under a redirection is still an argument', 'rm -rf > /dev/null /', 'destructive'],
  ['xargs with known input runs that input', 'echo / | xargs rm -rf', 'destructive'],
  ['a package removed from the project is a write', 'pip uninstall requests', 'write'],
  ['npm exec runs the command it carries', 'npm exec -- rimraf /', 'destructive'],
  ['an empty command runs nothing', '   ', 'read'],
];

describe('shell rules', () => {
  it.each(TABLE.map(([sentence, command, cls]) => [sentence, command, cls] as const))('%s', async (_, command, cls) => {
    expect(await classOf(command)).toBe(cls);
  });
});

describe('readForeignCode', () => {
  it('finds the path a Python deletion names', () => {
    expect(readForeignCode('python', "import shutil; shutil.rmtree('/x')").deletes).toEqual([{ call: 'shutil.rmtree', path: '/x' }]);
  });
  it('reads an argv list given to subprocess as one command line', () => {
    expect(readForeignCode('python', "subprocess.run(['rm', '-rf', '/x'])").commands).toEqual([{ call: 'subprocess.run', line: 'rm -rf /x' }]);
  });
  it('reports a path built at run time as unknown', () => {
    expect(readForeignCode('javascript', "fs.rmSync(dir + '/x')").deletes).toEqual([{ call: 'rmSync', path: undefined }]);
  });
  it('does not take a string method for a file operation', () => {
    expect(readForeignCode('python', "'a'.replace('a', 'b')").writes).toEqual([]);
  });
  it('takes eval of computed text as code it cannot read', () => {
    expect(readForeignCode('javascript', 'eval(process.argv[1])').evaluates).toEqual(['eval']);
  });
});

describe('judgeWords and overwriteClass', () => {
  it('reads nats stream rm as destructive', () => expect(judgeWords(['stream', 'rm']).class).toBe('destructive'));
  it('reads a listing verb on credentials as a read', () => expect(judgeWords(['secrets', 'list']).class).toBe('read'));
  it('reads --delete=false as no deletion', () => expect(judgeWords(['sync'], ['--delete-destination=false']).class).toBe('write'));
  it('calls writing over a block device destructive', () => expect(overwriteClass('/dev/nvme0n1', 'outside').class).toBe('destructive'));
  it('calls writing to /dev/null harmless', () => expect(overwriteClass('/dev/null', 'outside').class).toBe('read'));
});
