/**
 * Compiled by `tsc` in test/types.test.ts: brood/testing is typed by the
 * app's own declarations (here written by hand, as the generated
 * typings/brood.d.ts writes them). Every `@ts-expect-error` line must be an
 * error, everything else must compile.
 */
import { Service } from 'brood';
import { createTestApp, startTestCluster } from 'brood/testing';

class LinksService extends Service {
  async create(url: string): Promise<{ id: number; url: string }> {
    return { id: 1, url };
  }
  count(): number {
    return 0;
  }
}

class UserService extends Service {
  find(id: number): { id: number } {
    return { id };
  }
}

declare module 'brood' {
  interface Services {
    links: LinksService;
    admin: { user: UserService };
  }
  interface AppConfig {
    links: { max: number; host: string };
  }
}

export async function inProcess(): Promise<void> {
  const app = await createTestApp({ config: { links: { max: 3 } } });
  const created: { id: number; url: string } = await app.service.links.create('https://example.com');
  app.service.admin.user.find(created.id);
  // @ts-expect-error a service method takes its own arguments
  await app.service.links.create(42);

  app.mockService('links', 'create', async (url) => ({ id: 2, url }));
  app.mockService('admin.user', 'find', function (id) {
    return { id: id + this.config.links.max };
  });
  // @ts-expect-error a service that does not exist
  app.mockService('link', 'create', async (url: string) => ({ id: 2, url }));
  // @ts-expect-error a method that does not exist
  app.mockService('links', 'remove', () => undefined);
  // @ts-expect-error a mock that returns what the method does not
  app.mockService('links', 'count', () => 'many');
  // @ts-expect-error config keys are checked
  app.mockConfig({ links: { max: 'three' } });
  app.mockConfig({ links: { host: 'localhost' } });
  // @ts-expect-error config keys are checked at boot too
  await createTestApp({ config: { links: { mx: 3 } } });

  const limit: number = app.config.links.max;
  const result = await app.runTask('cleanup');
  const outcome: 'ok' | 'failed' | 'skipped' = result.outcome;
  await app.httpRequest().get('/').expect(200);
  void limit;
  void outcome;
  await app.close();
}

export async function inCluster(): Promise<void> {
  const cluster = await startTestCluster({ workers: 2 });
  await cluster.mockService('links', 'count', () => 3);
  // @ts-expect-error a method that does not exist
  await cluster.mockService('links', 'remove', () => undefined);
  await cluster.restoreMocks();
  const pid: number = await cluster.kill('worker', 'SIGTERM');
  // @ts-expect-error a role that is not one
  await cluster.kill('workers');
  const status = await cluster.status();
  void status.processes.map((p) => p.pid + pid);
  await cluster.request().get('/').expect(200);
  await cluster.stop();
}
