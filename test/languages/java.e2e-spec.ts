import { useKiln } from '../support/kiln-suite';

const allocate = (megabytes: string) => `
import java.util.ArrayList;
import java.util.List;

public class Main {
  public static void main(String[] args) {
    List<byte[]> held = new ArrayList<>();
    for (int i = 0; i < ${megabytes}; i++) {
      byte[] block = new byte[1 << 20];
      java.util.Arrays.fill(block, (byte) i);
      held.add(block);
    }
    System.out.println("held " + held.size() + " MiB");
  }
}`;

/** Issue 5, acceptance 4: the JVM under Kiln's default limits, and an honest verdict when it runs out of memory. */
describe('Java under the default limits', () => {
  const suite = useKiln();


  it('uses the global default memory limit (256 MiB): the JVM gets no extra memory', () => {
    const java = suite.kiln.loaded.languages.get('java');
    expect(java.limits?.defaults?.memoryMb).toBeUndefined();
    expect(suite.kiln.loaded.config.limits.defaults.memoryMb).toBe(256);
  });

  it('runs hello world', async () => {
    const response = await suite.execute({
      language: 'java',
      code: 'public class Main { public static void main(String[] a) { System.out.println("Hello, World!"); } }',
    });
    expect(response.body).toMatchObject({ verdict: 'OK', run: { stdout: 'Hello, World!\n', exitCode: 0 } });
  });

  it('holds 100 MiB', async () => {
    const response = await suite.execute({ language: 'java', code: allocate('100') });
    expect(response.body).toMatchObject({ verdict: 'OK', run: { stdout: 'held 100 MiB\n' } });
    expect(response.body.run.memoryBytes).toBeGreaterThanOrEqual(100 * 1024 * 1024);
  });

  it('judges a memory bomb MEMORY_LIMIT (the JVM’s own OutOfMemoryError, before the kernel has to kill it)', async () => {
    const response = await suite.execute({ language: 'java', code: allocate('Integer.MAX_VALUE') });
    expect(response.body).toMatchObject({ state: 'COMPLETED', verdict: 'MEMORY_LIMIT', run: { verdict: 'MEMORY_LIMIT', exitCode: 3 } });
    expect(response.body.run.stdout).toContain('java.lang.OutOfMemoryError: Java heap space');
  });

  it('still judges an OutOfMemoryError the program throws itself as what it is: a runtime error', async () => {
    const code = 'public class Main { public static void main(String[] a) { throw new OutOfMemoryError("fake"); } }';
    const response = await suite.execute({ language: 'java', code });
    expect(response.body).toMatchObject({ verdict: 'RUNTIME_ERROR', run: { exitCode: 1 } });
  });

  it('names the main file after the public class: `public class Solution` runs as Solution', async () => {
    const code = 'public final class Solution {\n  public static void main(String[] a) { System.out.println(Solution.class.getName() + " " + a[0]); }\n}';
    const response = await suite.execute({ language: 'java', code, args: ['$(id)'] });
    expect(response.body).toMatchObject({ verdict: 'OK', run: { stdout: 'Solution $(id)\n' } });
  });

  it('runs a multi-file program: the first file is the entry, the others compile with it', async () => {
    const response = await suite.execute({
      language: 'java',
      files: [
        { name: 'App.java', content: 'public class App { public static void main(String[] a) { System.out.println(Util.twice(21)); } }' },
        { name: 'Util.java', content: 'public class Util { static int twice(int x) { return 2 * x; } }' },
      ],
    });
    expect(response.body).toMatchObject({ verdict: 'OK', run: { stdout: '42\n' } });
  });

  it('has room for threads: 64 started at once (JVM threads count against the process limit)', async () => {
    const code = `public class Main {
  public static void main(String[] a) throws Exception {
    java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(64);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    for (int i = 0; i < 64; i++) new Thread(() -> { started.countDown(); try { release.await(); } catch (InterruptedException e) { } }).start();
    started.await();
    release.countDown();
    System.out.println("64 threads");
  }
}`;
    const response = await suite.execute({ language: 'java', code });
    expect(response.body).toMatchObject({ verdict: 'OK', run: { stdout: '64 threads\n' } });
  });
});
