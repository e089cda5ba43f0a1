import { useKiln } from '../support/kiln-suite';
import { SANDBOX_MODES, modeEnv } from '../support/sandbox-modes';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The header of a PNG file: its signature, then the IHDR chunk first (PNG specification, 5.2 and 11.2.2). */
function pngHeader(png: Buffer) {
  return {
    signature: png.subarray(0, 8),
    firstChunkLength: png.readUInt32BE(8),
    firstChunkType: png.subarray(12, 16).toString('latin1'),
    width: png.readUInt32BE(16),
    height: png.readUInt32BE(20),
    bitDepth: png[24],
  };
}

/**
 * Issue 16, acceptance 4 (its server half): the Python image's data stack
 * (Debian's numpy, pandas, scipy, matplotlib; versions in the language table,
 * checked by versions.e2e-spec.ts) imports under the default limits, and a
 * plot saved to a file comes back through outputFiles as a real PNG. The
 * playground half is test/playground/playground.e2e-spec.ts's.
 */
describe.each(SANDBOX_MODES)('the Python data stack (sandbox mode %s)', (mode) => {
  const suite = useKiln({ env: modeEnv(mode) });

  const execute = async (body: object) => {
    const answer = await suite.execute({ language: 'python', ...body });
    expect(answer.status).toBe(200);
    return answer.body;
  };

  it('import numpy, pandas, scipy, matplotlib works under the default limits, headless', async () => {
    const code = [
      'import numpy, pandas, scipy, matplotlib',
      'frame = pandas.DataFrame({"x": numpy.arange(5), "y": numpy.arange(5) ** 2})',
      'print(int(frame["y"].sum()), matplotlib.get_backend())',
      'for m in (numpy, pandas, scipy, matplotlib): print(m.__name__, m.__version__)',
    ].join('\n');
    const job = await execute({ code });
    expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { exitCode: 0, stderr: '' } });
    const [first, ...versions] = job.run.stdout.trim().split('\n');
    expect(first).toBe('30 agg');
    const table = suite.kiln.loaded.languages.get('python').packages!;
    expect(versions).toEqual(Object.entries(table).map(([name, version]) => `${name} ${version}`));
    expect(job.run.memoryBytes).toBeLessThan(suite.kiln.loaded.config.limits.defaults.memoryMb * 1024 * 1024);
  });

  it('a Python start loads nothing of the data stack until the program imports it (no .pth hook, no font cache copied)', async () => {
    // images/python: every python3 start paid for a namespace-package hook and the font cache's copy.
    const code = [
      'import os, sys',
      'print(sorted(m for m in sys.modules if m in ("importlib.util", "mpl_toolkits", "matplotlib")), os.path.exists(os.environ["MPLCONFIGDIR"]))',
      'import mpl_toolkits.mplot3d',
      'print(sorted(os.listdir(os.environ["MPLCONFIGDIR"])))',
    ].join('\n');
    const job = await execute({ code });
    expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { exitCode: 0, stderr: '' } });
    const [atStart, cache] = job.run.stdout.trim().split('\n');
    expect(atStart).toBe('[] False');
    expect(cache).toMatch(/^\['fontlist-v\d+\.json'\]$/);
  });

  it('a job with outputFiles ["*.png"] that saves a matplotlib plot returns a valid PNG; matplotlib leaves nothing else in the workspace', async () => {
    const code = [
      'import matplotlib.pyplot as plt',
      'fig, ax = plt.subplots(figsize=(4, 3), dpi=100)',
      'ax.plot([0, 1, 2, 3], [0, 1, 4, 9])',
      'fig.savefig("plot.png")',
      'print("saved")',
    ].join('\n');
    const job = await execute({ code, outputFiles: ['*.png'] });
    expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'saved\n', stderr: '' } });
    expect(job.run.files.map((file: { name: string }) => file.name)).toEqual(['plot.png']);
    const png = Buffer.from(job.run.files[0].content, 'base64');
    expect(png.length).toBe(job.run.files[0].size);
    expect(pngHeader(png)).toEqual({ signature: PNG_SIGNATURE, firstChunkLength: 13, firstChunkType: 'IHDR', width: 400, height: 300, bitDepth: 8 });
    expect(png.subarray(-8, -4).toString('latin1')).toBe('IEND');
    // Its config and font cache live in the sandbox's /tmp, never among the program's files.
    const everything = await execute({ code, outputFiles: ['**'] });
    expect(everything.run.files.map((file: { name: string }) => file.name)).toEqual(['main.py', 'plot.png']);
  });
});
