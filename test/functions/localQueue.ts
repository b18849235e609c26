/**
 * An in-memory SQS queue with a redrive policy, enough to show what SQS does with a partial batch response:
 * failed messages become visible again with a higher receive count, and a message that fails on its
 * maxReceiveCount-th receive moves to the dead-letter queue, body unchanged.
 */
import type { SqsBatchResponse, SqsEvent, SqsRecord } from '../../src/functions/lambdaEvents.js';

interface Message {
  readonly messageId: string;
  readonly body: string;
  receiveCount: number;
}

export class LocalQueue {
  private readonly visible: Message[] = [];
  readonly deadLetters: Message[] = [];
  private counter = 0;

  constructor(private readonly maxReceiveCount: number) {}

  send(body: string): string {
    const messageId = `msg-${++this.counter}`;
    this.visible.push({ messageId, body, receiveCount: 0 });
    return messageId;
  }

  get depth(): number {
    return this.visible.length;
  }

  /** Receives up to `max` messages as a Lambda SQS event. */
  receive(max = 10): { event: SqsEvent; messages: Message[] } {
    const messages = this.visible.splice(0, max);
    for (const m of messages) m.receiveCount++;
    const Records: SqsRecord[] = messages.map((m) => ({
      messageId: m.messageId,
      body: m.body,
      attributes: { ApproximateReceiveCount: String(m.receiveCount) },
      eventSource: 'aws:sqs',
    }));
    return { event: { Records }, messages };
  }

  /** Applies a partial batch response: successes are deleted, failures return or move to the dead-letter queue. */
  settle(messages: Message[], response: SqsBatchResponse): void {
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    for (const m of messages) {
      if (!failed.has(m.messageId)) continue;
      if (m.receiveCount >= this.maxReceiveCount) this.deadLetters.push(m);
      else this.visible.push(m);
    }
  }

  /** Runs `handler` over the queue until it is empty (or `maxRounds` passed); returns the rounds taken. */
  async drain(handler: (event: SqsEvent) => Promise<SqsBatchResponse>, maxRounds = 20): Promise<number> {
    let rounds = 0;
    while (this.depth > 0 && rounds < maxRounds) {
      rounds++;
      const { event, messages } = this.receive();
      this.settle(messages, await handler(event));
    }
    return rounds;
  }
}
