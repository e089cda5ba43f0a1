import type { SnippetContent } from '@kiln/client';

/** A program to start from beyond the languages' hellos, with what it needs (its language, the files it returns). */
export interface Example {
  title: string;
  program: SnippetContent;
}

/**
 * The examples of the page's Example menu. Each runs as it is
 * (test/playground/starters.e2e-spec.ts runs every one through Kiln).
 */
export const EXAMPLES: Record<string, Example> = {
  'matplotlib-plot': {
    title: 'Python: a matplotlib plot',
    program: {
      language: 'python',
      code: [
        'import numpy as np',
        'import matplotlib.pyplot as plt',
        '',
        'x = np.linspace(0, 2 * np.pi, 200)',
        'fig, ax = plt.subplots(figsize=(6, 3.5))',
        'ax.plot(x, np.sin(x), label="sin x")',
        'ax.plot(x, np.cos(x), label="cos x")',
        'ax.legend()',
        'ax.set_title("Plotted in a Kiln sandbox")',
        'fig.savefig("plot.png", dpi=100)',
        'print("saved plot.png")',
        '',
      ].join('\n'),
      outputFiles: ['*.png'],
    },
  },
};
