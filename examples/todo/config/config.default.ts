import { defineConfig } from 'brood';

export default defineConfig({
  todo: { maxTitle: 80, pageSize: 50, welcome: 'todo' },
  middleware: ['responseTime'],
  responseTime: { header: 'x-response-time' },
  bodyParser: { jsonLimit: '8kb' },
});
