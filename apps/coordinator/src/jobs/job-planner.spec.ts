import { runTasks } from './job-planner';

describe('runTasks', () => {
  it('plans one plain run without tests', () => {
    expect(runTasks(0, 8)).toEqual([{ id: 'run', kind: 'run' }]);
  });

  it('splits tests into consecutive batches of at most the batch size', () => {
    const tasks = runTasks(30, 8);
    expect(tasks.map((task) => task.id)).toEqual(['run-1', 'run-2', 'run-3', 'run-4']);
    expect(tasks.map((task) => task.tests?.length)).toEqual([8, 8, 8, 6]);
    expect(tasks.flatMap((task) => task.tests)).toEqual(Array.from({ length: 30 }, (_, n) => n));
  });
});
