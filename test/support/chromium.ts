/** The Chromium the console's browser tests drive (Debian's package by default). */
export const CHROMIUM = process.env.AIRLOCK_CHROMIUM ?? '/usr/bin/chromium';
