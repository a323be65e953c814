/**
 * The Standard Schema interface (https://standardschema.dev), written out here so any
 * validator that implements it (zod 4, valibot, arktype, …) works as a task's `payload`
 * without lockstep depending on one of them.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace StandardSchemaV1 {
  interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }
  type Result<Output> = SuccessResult<Output> | FailureResult;
  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  interface PathSegment {
    readonly key: PropertyKey;
  }
  interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
  type InferInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input'];
  type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];
}

export type PayloadCheck<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Validates `value` with a Standard Schema validator and turns its issues into one line,
 * e.g. `orderId: Invalid UUID; quantity: Too small: expected number to be >0`.
 *
 * @example
 * const r = await validatePayload(z.object({ id: z.uuid() }), { id: 'nope' });
 * if (!r.ok) console.log(r.message); // "id: Invalid UUID"
 */
export async function validatePayload<T>(schema: StandardSchemaV1<unknown, T>, value: unknown): Promise<PayloadCheck<T>> {
  const result = await schema['~standard'].validate(value);
  if (result.issues === undefined) return { ok: true, value: result.value };
  return { ok: false, message: formatIssues(result.issues) };
}

function formatIssues(issues: ReadonlyArray<StandardSchemaV1.Issue>): string {
  if (issues.length === 0) return 'invalid payload';
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
