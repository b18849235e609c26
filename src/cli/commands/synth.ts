import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../../core/config/configSchema.js';
import type { CliContext } from '../CliContext.js';
import type { SynthOptions } from './runSynth.js';

/** `vaultpilot synth`: synthesizes every stack offline into a cloud assembly and lists what it wrote. */
export function registerSynthCommand(program: Command, ctx: CliContext): void {
  program
    .command('synth')
    .description(
      'Synthesize the CloudFormation templates of every Vaultpilot stack offline (no AWS account needed), ' +
        'checked by cdk-nag AwsSolutions.',
    )
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG_FILE)
    .option('-o, --out <dir>', 'output directory (a CDK cloud assembly)', 'cdk.out')
    .option('--delegated-admin', 'deploy the member StackSet as delegated administrator from the central account')
    .option(
      '--assets-bucket <name>',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation placeholders shown to the user
      'refer to Lambda code in this bucket (placeholders ${AWS::Region}, ${AWS::AccountId}) for deployment without CDK',
    )
    .option(
      '--actions-code-bucket <name>',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudFormation placeholder shown to the user
      "read the action functions' code in member accounts from this bucket (placeholder ${AWS::Region}) instead of the code buckets the Actions stacks create",
    )
    .option('--no-validation', "skip CDK's CloudFormation schema validation (faster; cdk-nag still runs)")
    .action(async (options: SynthOptions) => {
      // Loaded on use: aws-cdk-lib would otherwise weigh on every other command's start-up and memory.
      const { runSynth } = await import('./runSynth.js');
      await runSynth(options, ctx);
    });
}
