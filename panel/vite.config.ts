import { defineConfig } from 'vite';

// The host serves the built files at `/`; relative asset paths keep them
// working wherever they are mounted.
//
// `npm run dev` serves the panel from source and proxies the host's routes to
// a running armature (ARMATURE_URL, default http://localhost:8080, the demo's), so the
// page, its gRPC-Web calls and the JSON endpoints share one origin as they do
// when the host serves the panel itself.
const target = process.env.ARMATURE_URL ?? 'http://localhost:8080';
const proxied = ['/armature', '/metrics', '/viam.', '/proto.', '/grpc.'];

export default defineConfig({
  base: './',
  build: {
    // The Viam SDK (generated protobuf code for every API) is most of it.
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: Object.fromEntries(proxied.map((prefix) => [prefix, { target, changeOrigin: true }])),
  },
});
