import { Injectable } from '@nestjs/common';
import { ConfigReloaderService } from 'nestjs-config-reloader';
import { GreetingConfig } from './greeting.config';

@Injectable()
export class GreetingService {
  constructor(private readonly reloader: ConfigReloaderService<GreetingConfig>) {}

  greet(name: string): string {
    const { greeting, repeat } = this.reloader.config;
    return Array.from({ length: repeat }, () => `${greeting}, ${name}!`).join(' ');
  }
}
