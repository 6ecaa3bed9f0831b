import { defineConfig } from 'brood';

export default defineConfig({
  todo: { maxTitle: 80, pageSize: 50, welcome: 'todo' },
  middleware: ['responseTime'],
  responseTime: { header: 'x-response-time' },
  bodyParser: { jsonLimit: '8kb' },
  // Every response says its request id (by default only error responses do).
  requestId: { echo: true },
});
