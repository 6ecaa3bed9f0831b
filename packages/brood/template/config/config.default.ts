import { defineConfig } from 'brood';

export default defineConfig({
  greeting: 'hello',
  middleware: ['poweredBy'],
  poweredBy: { name: '{{name}}' },
});
