/** A worker's heartbeat, stored in the workers hash; coordinators read it for /health. */
export interface WorkerBeat {
  id: string;
  hostname: string;
  pid: number;
  concurrency: number;
  dockerOk: boolean;
  /** Epoch ms of the beat. */
  at: number;
}
