/**
 * The command-line parsing every `npm run` script shares: node:util's parseArgs for the flags,
 * zod for their values, `--help` for the usage, and exit code 2 with the usage on bad input.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { z } from "zod";

/** A flag's value that must read as a finite number: parseArgs hands every value over as text. */
export const numberFlagSchema = z.string().trim().min(1, "must be a number").pipe(z.coerce.number<string>());

export function parseCommandLine<S extends z.ZodType>(input: {
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  schema: S;
  args?: string[];
}): z.infer<S> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: input.args ?? process.argv.slice(2),
      options: { ...input.options, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : String(error)}\n${input.usage}`);
  }
  if (values.help) {
    console.log(input.usage);
    process.exit(0);
  }
  const { help: _help, ...flags } = values;
  const parsed = input.schema.safeParse(flags);
  if (!parsed.success) {
    return fail(`${parsed.error.issues.map((issue) => `--${issue.path.join(".")}: ${issue.message}`).join("\n")}\n${input.usage}`);
  }
  return parsed.data;
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
