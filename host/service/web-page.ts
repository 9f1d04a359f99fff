// The risk page (issue 9) at `/`, from dist/web/ (npm run build:browser), and the package's
// browser bundle at /browser/. @fastify/send types .wasm as application/wasm, which lets the page
// compile it by streaming. A service started before the page was built answers 503, not 404.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-errors.js';

export async function registerWebPage(app: FastifyInstance, webDir: string, browserDir: string): Promise<void> {
  if (existsSync(join(webDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDir, prefix: '/', index: 'index.html', cacheControl: true, maxAge: 0 });
  } else {
    const notBuilt = (): never => {
      throw new HttpError(503, 'RG_HTTP_NOT_BUILT', `the risk page is not built: ${webDir}/index.html is missing; run \`npm run build:browser\` and restart`, 'web_dir', webDir);
    };
    app.get('/', notBuilt);
    app.get('/*', notBuilt);
  }
  if (existsSync(browserDir)) {
    await app.register(fastifyStatic, { root: browserDir, prefix: '/browser/', decorateReply: false, cacheControl: true, maxAge: 0 });
  }
}
