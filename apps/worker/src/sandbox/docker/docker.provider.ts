import Docker from 'dockerode';

/** dockerode client of the local engine (DOCKER_HOST or the default socket). */
export const dockerProvider = {
  provide: Docker,
  useFactory: () => new Docker(),
};
