import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { LanguageRegistry } from '@kiln/tasks';
import { ContainerLauncher } from '../docker/container-launcher';

/** Nested mode was asked for on a host (or engine) that cannot give it. */
export class NestedModeUnavailableError extends Error {}

/**
 * Before a nested-mode worker takes any task: starts one outer
 * container and waits for its first nested sandbox to say hello. Hosts that
 * forbid unprivileged user namespaces (user.max_user_namespaces=0,
 * kernel.unprivileged_userns_clone=0, AppArmor's
 * kernel.apparmor_restrict_unprivileged_userns=1) fail here, and the worker
 * refuses to start, saying why, instead of failing every task later.
 */
@Injectable()
export class NestedHostCheck implements OnModuleInit {
  private readonly logger = new Logger(NestedHostCheck.name);

  constructor(
    private readonly launcher: ContainerLauncher,
    private readonly languages: LanguageRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    const image = this.languages.all()[0]?.image ?? 'kiln/base:latest';
    const limits = { memoryMb: 64, cpus: 0.5, processes: 8 };
    try {
      const probe = await this.launcher.launch(this.launcher.optionsFor(image, limits), limits);
      await this.launcher.remove(probe);
      this.logger.log('nested mode: this host can create nested sandboxes');
    } catch (error) {
      throw new NestedModeUnavailableError(
        `sandbox.mode is nested, but no nested sandbox could be created on this host: ${(error as Error).message}. ` +
          'Nested mode needs unprivileged user namespaces (sysctl user.max_user_namespaces > 0, ' +
          'kernel.unprivileged_userns_clone=1 where it exists, no kernel.apparmor_restrict_unprivileged_userns=1). ' +
          'Allow them, or use sandbox.mode: container.',
      );
    }
  }
}
