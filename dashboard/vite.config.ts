import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Built into dist/ and served by mlgraph at /app (same origin as /graphql: no CORS).
export default defineConfig({
  base: "/app/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: { proxy: { "/graphql": { target: "http://127.0.0.1:8000", ws: true } } },
});
