/**
 * Strict, independent validator for CloudFormation templates that contain ECS resources, built on
 * the CloudFormation registry resource schemas as normalised by cfn-lint v1.51.5 (see
 * test/validate/schemas/SOURCES.md, section cloudformation/).
 *
 * What is checked:
 * - the template: only the documented top-level sections; `Resources` is a non-empty object;
 * - every resource: `Type` is `Service::Provider::Resource` or `Custom::Name`; only the documented
 *   resource attributes (Type, Properties, DependsOn, Condition, Metadata, DeletionPolicy,
 *   UpdateReplacePolicy, UpdatePolicy, CreationPolicy); `Properties` is an object; `DependsOn`
 *   names existing resources; `Condition` names an existing condition; policies are valid values;
 * - `AWS::ECS::TaskDefinition` and `AWS::ECS::Service` `Properties`: strictly against the schema
 *   (`additionalProperties: false` everywhere, enums, types, `required`, min/max, patterns, and
 *   cfn-lint's `uniqueKeys` extension). Other types are only shape-checked, unless
 *   `allowUnknownTypes: false`, in which case a type without a schema is an error.
 *
 * Intrinsic functions: every property schema and every array-item schema S becomes
 *   `{ if: <exactly one key, Ref or Fn::*>, then: <Intrinsic>, else: S }`
 * so a value that looks like an intrinsic is checked as one (known function, argument shape), and
 * anything else (including `{ Ref: 'X', Extra: 1 }`) is checked against S unchanged. if/then/else
 * rather than `anyOf: [S, Intrinsic]` keeps the error list to the branch that applies (anyOf would
 * report the failures of both branches). Arguments of Fn::If are not checked against S.
 *
 * Deliberately stricter than CloudFormation: CloudFormation (and cfn-lint) coerce scalar types,
 * e.g. accept `"80"` for an integer or `512` for TaskDefinition `Cpu` (a string in the schema).
 * Here the JSON types must match the schema; aws-cdk-lib emits exactly those types.
 * The schemas' `format`s (`AWS::IAM::Role.Arn`, `AWS::EC2::Subnet.Ids`, ...) are cfn-lint
 * cross-resource checks (is this a role ARN, a subnet id) and some sit on arrays, where JSON Schema
 * formats do not apply; they are dropped. Every other keyword is kept.
 *
 * Cost (node 20, this machine, noisy; measured with ts-node over 6 runs): the first validation of
 * a type reads its schema, rewrites it and compiles the validator: 235-360 ms for TaskDefinition
 * and 185-285 ms for Service when compiled first (that one also pays ajv's warm-up), 120-170 ms
 * for Service and 155-300 ms for TaskDefinition when compiled second. The if/then/else wrapping
 * roughly doubles compile time (the unmodified TaskDefinition schema compiles in ~150 ms, warm-up
 * included). After that a whole CDK Fargate stack (31 resources: VPC, cluster, roles, log group,
 * one TaskDefinition with two containers, one Service) takes 0.05-0.09 ms per `templateErrors`
 * call. Compiled validators are cached per resource type at module level; jest gives every test
 * file its own module registry, so each test file that validates pays the first compile once.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';

/** The vendored schemas (test/validate/schemas/, see its SOURCES.md); `CDK_SIDECARS_SCHEMAS` may point at another folder of that layout. */
const SCHEMA_DIR = process.env.CDK_SIDECARS_SCHEMAS
  ? path.join(process.env.CDK_SIDECARS_SCHEMAS, 'cloudformation')
  : path.resolve(__dirname, 'schemas', 'cloudformation');

/** Resource types validated against a schema, and their file in SCHEMA_DIR. */
const SCHEMA_FILES: Record<string, string> = {
  'AWS::ECS::TaskDefinition': 'aws-ecs-taskdefinition.json',
  'AWS::ECS::Service': 'aws-ecs-service.json',
};

export interface TemplateValidationOptions {
  /**
   * When true (the default), resource types without a schema here (IAM, Logs, EC2, ELB, Lambda...)
   * are only shape-checked. When false, each of them is reported as an error.
   */
  readonly allowUnknownTypes?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Intrinsic functions
// ---------------------------------------------------------------------------------------------

const INTRINSIC_ID = 'cfn-intrinsic';
const INTRINSIC_REF = { $ref: `${INTRINSIC_ID}#` };

/** What a value must look like to be taken as an intrinsic: one key, `Ref` or `Fn::*`. */
const LOOKS_INTRINSIC = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  propertyNames: { pattern: '^(?:Ref$|Fn::)' },
};

/** `schema`, or an intrinsic function when the value looks like one. */
const orIntrinsic = (schema: any) => ({ if: LOOKS_INTRINSIC, then: INTRINSIC_REF, else: schema });

const STR = orIntrinsic({ type: 'string' });
const INT_OR_STR = orIntrinsic({ type: ['integer', 'string'] });
const LIST = orIntrinsic({ type: 'array' });
const tuple = (...items: any[]) => ({ type: 'array', items, minItems: items.length, additionalItems: false });

/** Argument shapes of the supported functions (nested intrinsics allowed where CloudFormation allows them). */
const INTRINSIC_SCHEMA = {
  $id: INTRINSIC_ID,
  type: 'object',
  properties: {
    'Ref': { type: 'string', minLength: 1 },
    'Fn::GetAtt': {
      anyOf: [
        { type: 'string', pattern: '^[A-Za-z0-9]+\\..+$' },
        tuple({ type: 'string', minLength: 1 }, STR),
      ],
    },
    'Fn::Join': tuple({ type: 'string' }, orIntrinsic({ type: 'array', items: STR })),
    'Fn::Sub': {
      anyOf: [
        { type: 'string' },
        tuple({ type: 'string' }, { type: 'object', additionalProperties: STR }),
      ],
    },
    'Fn::Select': tuple(INT_OR_STR, LIST),
    'Fn::Split': tuple({ type: 'string' }, STR),
    'Fn::If': tuple({ type: 'string', minLength: 1 }, true, true),
    'Fn::ImportValue': STR,
    'Fn::FindInMap': {
      anyOf: [
        tuple(STR, STR, STR),
        tuple(STR, STR, STR, { type: 'object', required: ['DefaultValue'], additionalProperties: false, properties: { DefaultValue: true } }),
      ],
    },
    'Fn::Base64': STR,
    'Fn::GetAZs': STR,
    'Fn::Cidr': tuple(STR, INT_OR_STR, INT_OR_STR),
    'Fn::Length': LIST,
    'Fn::ToJsonString': orIntrinsic({ type: ['object', 'array'] }),
  },
  additionalProperties: false,
};

/**
 * Rewrites a resource schema: every property, pattern-property, additional-property and
 * array-item schema accepts an intrinsic in place of its value. Nothing else is changed.
 */
function withIntrinsics(s: any): any {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) return s;
  const out: any = { ...s };
  delete out.format; // cfn-lint's formats (AWS::IAM::Role.Arn, AWS::EC2::Subnet.Ids...) are cross-resource checks
  const mapValues = (o: Record<string, any>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, orIntrinsic(withIntrinsics(v))]));
  if (s.properties) out.properties = mapValues(s.properties);
  if (s.patternProperties) out.patternProperties = mapValues(s.patternProperties);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    out.additionalProperties = orIntrinsic(withIntrinsics(s.additionalProperties));
  }
  if (s.items) {
    out.items = Array.isArray(s.items)
      ? s.items.map((i: any) => orIntrinsic(withIntrinsics(i)))
      : orIntrinsic(withIntrinsics(s.items));
  }
  for (const k of ['anyOf', 'oneOf', 'allOf']) if (s[k]) out[k] = s[k].map(withIntrinsics);
  if (s.definitions) {
    out.definitions = Object.fromEntries(Object.entries<any>(s.definitions).map(([k, v]) => [k, withIntrinsics(v)]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ajv, schema files, cache
// ---------------------------------------------------------------------------------------------

/** JSON Schema keywords taken from a registry schema; the rest (typeName, readOnlyProperties, ...) is metadata. */
const SCHEMA_KEYWORDS = ['type', 'properties', 'patternProperties', 'additionalProperties', 'required', 'definitions', 'oneOf', 'anyOf', 'allOf'];

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
// cfn-lint annotation; order is not validated.
ajv.addKeyword({ keyword: 'insertionOrder', schemaType: 'boolean' });
// cfn-lint extension: no two items of the array have equal values at these keys.
ajv.addKeyword({
  keyword: 'uniqueKeys',
  type: 'array',
  schemaType: 'array',
  error: { message: cxt => `must not have two items with the same ${(cxt.schema as string[]).join('+')}` },
  validate: (keys: string[], data: any[]) => {
    const seen = new Set<string>();
    for (const item of data) {
      if (item === null || typeof item !== 'object') continue;
      const id = JSON.stringify(keys.map(k => item[k]));
      if (seen.has(id)) return false;
      seen.add(id);
    }
    return true;
  },
});
ajv.addSchema(INTRINSIC_SCHEMA);
const validators = new Map<string, ValidateFunction>();


function validatorFor(type: string): ValidateFunction | undefined {
  let validate = validators.get(type);
  if (!validate && SCHEMA_FILES[type]) {
    const file = path.join(SCHEMA_DIR, SCHEMA_FILES[type]);
    if (!fs.existsSync(file)) {
      throw new Error(`CloudFormation schema for ${type} not found at ${file} (they are vendored in test/validate/schemas; CDK_SIDECARS_SCHEMAS overrides the folder)`);
    }
    const registry = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (registry.typeName !== type) throw new Error(`${file}: typeName is ${registry.typeName}, expected ${type}`);
    const schema: any = { type: 'object' };
    for (const k of SCHEMA_KEYWORDS) if (k in registry) schema[k] = registry[k];
    validate = ajv.compile(withIntrinsics(schema));
    validators.set(type, validate);
  }
  return validate;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

const TEMPLATE_SECTIONS = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs']);
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'Metadata', 'DeletionPolicy', 'UpdateReplacePolicy', 'UpdatePolicy', 'CreationPolicy']);
const DELETION_POLICIES = ['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'];
const UPDATE_REPLACE_POLICIES = ['Delete', 'Retain', 'Snapshot'];
const RESOURCE_TYPE = /^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/;
const CUSTOM_TYPE = /^Custom::[A-Za-z0-9_@-]{1,60}$/;

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);
const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/** A value that has a Ref/Fn:: key but is not exactly-one-key: say why it was not taken as an intrinsic. */
function intrinsicHint(data: unknown): string {
  if (!isObject(data)) return '';
  const keys = Object.keys(data);
  return keys.length > 1 && keys.some(k => k === 'Ref' || k.startsWith('Fn::'))
    ? ' (not an intrinsic function: an intrinsic is an object with exactly one key, Ref or Fn::*)'
    : '';
}

function formatError(e: ErrorObject, base: string): string | undefined {
  const at = `${base}${e.instancePath}`;
  switch (e.keyword) {
    case 'if': // always accompanied by the errors of the branch that failed
      return undefined;
    case 'additionalProperties': {
      const prop = e.params.additionalProperty as string;
      const inIntrinsic = e.parentSchema === INTRINSIC_SCHEMA;
      return inIntrinsic
        ? `${at}/${escapePointer(prop)}: unknown intrinsic function "${prop}" (supported: ${Object.keys(INTRINSIC_SCHEMA.properties).join(', ')})`
        : `${at}/${escapePointer(prop)}: unknown property "${prop}"${intrinsicHint(e.data)}`;
    }
    case 'enum':
      return `${at}: must be one of ${(e.params.allowedValues as unknown[]).map(show).join(', ')} (got ${show(e.data)})`;
    case 'required':
      return `${at}: missing required property "${e.params.missingProperty}"`;
    default:
      return `${at}: ${e.message} (got ${show(e.data)})${intrinsicHint(e.data)}`;
  }
}

function resourceErrors(id: string, r: any, template: any, options: TemplateValidationOptions): string[] {
  const base = `/Resources/${escapePointer(id)}`;
  if (!isObject(r)) return [`${base}: resource must be an object (got ${show(r)})`];
  const label = (p: string) => `${id} (${typeof r.Type === 'string' ? r.Type : '<no Type>'}) at ${base}${p}`;
  const problems: string[] = [];

  for (const key of Object.keys(r)) {
    if (!RESOURCE_KEYS.has(key)) problems.push(`${label(`/${escapePointer(key)}`)}: unknown resource attribute "${key}" (allowed: ${[...RESOURCE_KEYS].join(', ')})`);
  }
  if (typeof r.Type !== 'string' || !(RESOURCE_TYPE.test(r.Type) || CUSTOM_TYPE.test(r.Type))) {
    problems.push(`${label('/Type')}: must be a string "Service::Provider::Resource" or "Custom::Name" (got ${show(r.Type)})`);
  }
  const propertiesOk = !('Properties' in r) || isObject(r.Properties);
  if (!propertiesOk) problems.push(`${label('/Properties')}: must be an object (got ${show(r.Properties)})`);
  if ('DependsOn' in r) {
    const deps = typeof r.DependsOn === 'string' ? [r.DependsOn] : r.DependsOn;
    if (!Array.isArray(deps) || !deps.every(d => typeof d === 'string')) {
      problems.push(`${label('/DependsOn')}: must be a string or an array of strings (got ${show(r.DependsOn)})`);
    } else {
      for (const d of deps) if (!(d in template.Resources) || d === id) problems.push(`${label('/DependsOn')}: "${d}" is not another resource of this template`);
    }
  }
  if ('Condition' in r && (typeof r.Condition !== 'string' || !isObject(template.Conditions) || !(r.Condition in template.Conditions))) {
    problems.push(`${label('/Condition')}: must name a condition in the template's Conditions (got ${show(r.Condition)})`);
  }
  for (const key of ['Metadata', 'UpdatePolicy', 'CreationPolicy']) {
    if (key in r && !isObject(r[key])) problems.push(`${label(`/${key}`)}: must be an object (got ${show(r[key])})`);
  }
  if ('DeletionPolicy' in r && !DELETION_POLICIES.includes(r.DeletionPolicy)) {
    problems.push(`${label('/DeletionPolicy')}: must be one of ${DELETION_POLICIES.map(show).join(', ')} (got ${show(r.DeletionPolicy)})`);
  }
  if ('UpdateReplacePolicy' in r && !UPDATE_REPLACE_POLICIES.includes(r.UpdateReplacePolicy)) {
    problems.push(`${label('/UpdateReplacePolicy')}: must be one of ${UPDATE_REPLACE_POLICIES.map(show).join(', ')} (got ${show(r.UpdateReplacePolicy)})`);
  }
  if (typeof r.Type !== 'string' || !propertiesOk) return problems;

  const validate = validatorFor(r.Type);
  if (!validate) {
    if (options.allowUnknownTypes === false) {
      problems.push(`${label('')}: no schema for resource type "${r.Type}" (validated types: ${Object.keys(SCHEMA_FILES).join(', ')})`);
    }
    return problems;
  }
  if (!validate(r.Properties ?? {})) {
    const lines = new Set((validate.errors ?? []).map(e => formatError(e, '/Properties')).filter((l): l is string => l !== undefined));
    for (const line of lines) problems.push(`${id} (${r.Type}) at ${base}${line}`);
  }
  return problems;
}

/** Every problem in `template`, one line each: `LogicalId (Type) at /json/pointer: message`. Empty when valid. */
export function templateErrors(template: any, options: TemplateValidationOptions = {}): string[] {
  if (!isObject(template)) return [`(root): template must be an object (got ${show(template)})`];
  const problems: string[] = [];
  for (const key of Object.keys(template)) {
    if (!TEMPLATE_SECTIONS.has(key)) problems.push(`/${escapePointer(key)}: unknown template section "${key}" (allowed: ${[...TEMPLATE_SECTIONS].join(', ')})`);
  }
  if (!isObject(template.Resources) || Object.keys(template.Resources).length === 0) {
    problems.push(`/Resources: must be an object with at least one resource (got ${show(template.Resources)})`);
    return problems;
  }
  for (const [id, resource] of Object.entries(template.Resources)) {
    problems.push(...resourceErrors(id, resource, template, options));
  }
  return problems;
}

/** Throws when the template is invalid; the message lists every problem. */
export function validateTemplate(template: any, options: TemplateValidationOptions = {}): void {
  const problems = templateErrors(template, options);
  if (problems.length > 0) {
    throw new Error(`${problems.length} problem(s) in CloudFormation template:\n  ${problems.join('\n  ')}`);
  }
}

/** Reads a `*.template.json` file (as written by `app.synth()`), then validates it. */
export function validateTemplateFile(file: string, options: TemplateValidationOptions = {}): void {
  let template: any;
  try {
    template = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read JSON: ${(e as Error).message}`);
  }
  try {
    validateTemplate(template, options);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}
