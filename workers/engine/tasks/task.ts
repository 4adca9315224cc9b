// What a task is to the engine: its request type and a run composed from the shared steps.
import type { RunSink } from '../protocol';
import type { RunContext } from '../steps';

export interface TaskDefinition<Request> {
  /** runs one request to the end (or until a checkpoint throws); events go to onEvent */
  run(ctx: RunContext, request: Request, onEvent: RunSink): Promise<void>;
}

/** Identity with the request type spelled once, at the task. */
export function defineTask<Request>(task: TaskDefinition<Request>): TaskDefinition<Request> {
  return task;
}

/** Sampler settings every image task takes. */
export interface SamplerRequest {
  /** decode order, e.g. ['f4','f3','f2','f1','f0'] (coarse to fine) */
  scales: string[];
  steps: number;
  guidance: number;
  seed: number;
}
