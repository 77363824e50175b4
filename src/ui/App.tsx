/** Placeholder shell; the playground UI is built on top of this component. */
export function App() {
  return (
    <main>
      <h1>MT-Diffusion playground</h1>
      <p>A multi-modal diffusion model, running in your browser, one denoising step at a time.</p>
    </main>
  );
}
