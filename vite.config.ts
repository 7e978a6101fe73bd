import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The designer is the only thing Vite builds; the runner serves dist/designer.
export default defineConfig({
  root: 'designer',
  plugins: [react()],
  build: { outDir: '../dist/designer', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  worker: { format: 'es' },
  server: {
    port: Number(process.env.DESIGNER_PORT ?? 5173),
    proxy: {
      '/api': `http://127.0.0.1:${process.env.PORT ?? 8787}`,
      '/socket.io': { target: `http://127.0.0.1:${process.env.PORT ?? 8787}`, ws: true },
    },
  },
});
