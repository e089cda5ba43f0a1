/** A worker's heartbeat, stored in the workers hash; coordinators read it for /health. */
export interface WorkerBeat {
  id: string;
  /** Random per start of the worker process; containers carry it as a label. */
  instance: string;
  hostname: string;
  pid: number;
  concurrency: number;
  dockerOk: boolean;
  /** Epoch ms of the beat. */
  at: number;
}
