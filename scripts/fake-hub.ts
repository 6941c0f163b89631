/**
 * A local stand-in for the Hugging Face Hub's file URLs, serving the shared VideoMAE fixtures, so that the
 * app's real Hub loader is tested without the internet:
 *
 *   GET /<owner>/<repo>/resolve/<revision>/<file>
 *
 * Repos `fixtures/<dir>` map to `<fixtures root>/<dir>` (e.g. `fixtures/tiny_cls_meanpool`); the only
 * revision is `main`. Like the Hub: weight files answer with a 302 to a separate "CDN" path, unknown repos
 * answer 401 with `X-Error-Code: RepoNotFound`, missing files 404 `EntryNotFound`, unknown revisions 404
 * `RevisionNotFound`; responses carry CORS headers, ETag and Content-Length, and Range requests work.
 *
 *   npx tsx scripts/fake-hub.ts [--port 4180] [--root ../shared/fixtures/videomae]
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, normalize, resolve, sep } from 'node:path';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const port = Number(arg('--port', process.env.FAKE_HUB_PORT ?? '4180'));
const root = resolve(arg('--root', '../shared/fixtures/videomae'));
const OWNER = 'fixtures';
/** Files the Hub stores in LFS: they redirect to the CDN like the real thing. */
const LFS = /\.(safetensors|bin|pt|pth|onnx|msgpack|h5)$/;

function cors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'Range, Authorization, Content-Type');
  res.setHeader(
    'Access-Control-Expose-Headers',
    'Content-Length, Content-Range, ETag, X-Error-Code, X-Error-Message, X-Repo-Commit',
  );
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  res.statusCode = status;
  res.setHeader('X-Error-Code', code);
  res.setHeader('X-Error-Message', message);
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ error: message }));
}

function sendFile(req: IncomingMessage, res: ServerResponse, path: string): void {
  const size = statSync(path).size;
  res.setHeader('ETag', `"${size}-${statSync(path).mtimeMs}"`);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', 'application/octet-stream');
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  let start = 0;
  let end = size - 1;
  if (range) {
    start = Number(range[1]);
    end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  }
  res.setHeader('Content-Length', String(end - start + 1));
  if (req.method === 'HEAD') return void res.end();
  createReadStream(path, { start, end }).pipe(res);
}

const server = createServer((req, res) => {
  cors(res);
  if (req.method === 'OPTIONS') return void res.writeHead(204).end();
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const cdn = /^\/cdn\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (cdn) {
    const path = normalize(join(root, decodeURIComponent(cdn[1]!), decodeURIComponent(cdn[2]!)));
    if (!path.startsWith(root + sep) || !existsSync(path))
      return fail(res, 404, 'EntryNotFound', 'Entry not found');
    return sendFile(req, res, path);
  }
  const match = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (!match) return fail(res, 404, 'NotFound', `Not found: ${url.pathname}`);
  const [, owner, repo, revision, file] = match.map((part) => decodeURIComponent(part ?? '')) as [
    string,
    string,
    string,
    string,
    string,
  ];
  const repoDir = normalize(join(root, repo));
  if (
    owner !== OWNER ||
    !repoDir.startsWith(root + sep) ||
    !existsSync(repoDir) ||
    !statSync(repoDir).isDirectory()
  ) {
    return fail(res, 401, 'RepoNotFound', 'Repository not found');
  }
  if (revision !== 'main') return fail(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
  const path = normalize(join(repoDir, file));
  if (!path.startsWith(repoDir + sep) || !existsSync(path) || !statSync(path).isFile()) {
    return fail(res, 404, 'EntryNotFound', `${file} does not exist on "main"`);
  }
  res.setHeader('X-Repo-Commit', '0000000000000000000000000000000000000000');
  if (LFS.test(file)) {
    res.statusCode = 302;
    res.setHeader(
      'Location',
      `/cdn/${encodeURIComponent(repo)}/${file.split('/').map(encodeURIComponent).join('/')}`,
    );
    return void res.end();
  }
  sendFile(req, res, path);
});

server.listen(port, '127.0.0.1', () => console.log(`fake hub on http://127.0.0.1:${port} serving ${root}`));
