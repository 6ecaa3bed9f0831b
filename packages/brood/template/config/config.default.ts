import { defineConfig } from 'brood';

export default defineConfig({
  // Signs cookies (ctx.cookies.set(name, value, { signed: true })); made at random by brood create.
  // In production, take it from the environment instead: keys: process.env.COOKIE_KEYS.
  keys: '{{keys}}',
  greeting: 'hello',
  middleware: ['poweredBy'],
  poweredBy: { name: '{{name}}' },
});
