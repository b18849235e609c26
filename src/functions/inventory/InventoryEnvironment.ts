/**
 * The policy-inventory function's configuration, read once from the environment through typed getters that
 * throw naming the variable (like FunctionEnvironment for the central functions).
 */
import { INVENTORY_ENV } from '../../core/deployment/contract.js';
import { InvalidEnvironmentError, MissingEnvironmentError } from '../FunctionError.js';

type Environment = Readonly<Record<string, string | undefined>>;

const EVENT_BUS_ARN = /^arn:(aws[a-z-]*):events:([a-z0-9-]+):(\d{12}):event-bus\/[.\-_A-Za-z0-9]+$/;

/** The central bus, as the inventory function addresses it. */
export interface CentralBus {
  readonly arn: string;
  /** The bus's Region: PutEvents must be sent there. */
  readonly region: string;
  readonly account: string;
}

/** Typed access to the inventory function's environment variables. */
export class InventoryEnvironment {
  constructor(private readonly env: Environment = process.env) {}

  /** The central bus (VAULTPILOT_CENTRAL_BUS_ARN), an event bus ARN. */
  get centralBus(): CentralBus {
    const name = INVENTORY_ENV.centralBusArn;
    const arn = this.env[name]?.trim();
    if (!arn) throw new MissingEnvironmentError(name);
    const match = EVENT_BUS_ARN.exec(arn);
    if (!match?.[2] || !match[3]) {
      throw new InvalidEnvironmentError(
        name,
        `is not an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>): ${arn}`,
      );
    }
    return { arn, region: match[2], account: match[3] };
  }
}
