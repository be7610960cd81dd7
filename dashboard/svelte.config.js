// Defaults; this file only says so (vite-plugin-svelte looks for it).
export default {};
