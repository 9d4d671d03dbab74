/**
 * Vite plugin (runs in Node): puts the verified kernel images on the site's
 * own origin, at kernels/<id>.img — served from the resolver in dev, copied
 * into the build otherwise. The images never enter the repo.
 */
import type { Plugin } from 'vite';
import { KERNEL_IDS, type KernelId } from '../kernel-images/manifest.ts';
import { resolveKernelFile } from '../node/image-resolver.ts';

export function kernelImagesPath(id: KernelId): string {
  return `kernels/${id}.img`;
}

export function kernelImages(): Plugin {
  return {
    name: 'modlab-kernel-images',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /^\/kernels\/([0-9.]+)\.img$/.exec(req.url ?? '');
        const id = KERNEL_IDS.find((k) => k === m?.[1]);
        if (!id) return next();
        resolveKernelFile(id).then(
          (file) => {
            res.setHeader('Content-Type', 'application/octet-stream');
            res.end(Buffer.from(file.bytes));
          },
          (e: Error) => {
            res.statusCode = 404;
            res.end(e.message);
          },
        );
      });
    },
    async generateBundle() {
      for (const id of KERNEL_IDS) {
        try {
          const file = await resolveKernelFile(id);
          this.emitFile({ type: 'asset', fileName: kernelImagesPath(id), source: file.bytes });
        } catch (e) {
          this.warn(`kernel ${id} left out of the build: ${(e as Error).message}`);
        }
      }
    },
  };
}
