#!/usr/bin/env node
// Validates Kubernetes manifests against the Kubernetes API schemas, as the API server would before storing them.
//
//   node tests/manifests/validate.mjs PATH...     (a directory: every *.yaml/*.yml under it, recursively)
//
// Each YAML document is checked twice:
// 1. the schema: kubernetes-models (generated from the upstream OpenAPI; validators compiled with ajv) builds the
//    model for the document's apiVersion/kind and validates it: types, required fields, enums, formats;
// 2. unknown fields: those generated schemas do not set additionalProperties: false, so a misspelt field would
//    pass (and the API server would drop it, or refuse it under field validation Strict). The strict check walks
//    the document along the models' own type declarations (the .d.ts files kubernetes-models generates from the
//    same OpenAPI: one class per definition, its properties and their types) and rejects any field not declared.
// A kustomization.yaml is not an API object: its resources must exist, and every manifest beside it must be
// listed (a file forgotten there would silently not be deployed).
//
// Exit 0 when everything is valid; else 1 with one line per problem: file, kind/name, field path and the error.
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve, basename } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const models = join(modules, "kubernetes-models");

/** The model's directory in kubernetes-models for an apiVersion: "v1" is the core group, "apps/v1" → apps/v1. */
function modelPath(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z0-9]+$/.test(kind)) {
    return null;
  }
  const parts = apiVersion.split("/");
  if (parts.length > 2 || parts.some((p) => !/^[a-z0-9.-]+$/.test(p))) {
    return null;
  }
  const file = join(models, ...parts, `${kind}.js`);
  return existsSync(file) ? file : null;
}

// ---- strict check: the declared fields of each type, read from the generated .d.ts files ----

const declarations = new Map(); // .d.ts path -> { imports: Map<name, path>, fields: Map<name, type> | null }

function dtsFor(specifier, fromFile) {
  const bare = specifier.replace(/\.js$/, "");
  const base = bare.startsWith(".") ? resolve(dirname(fromFile), bare) : join(modules, bare);
  return `${base}.d.ts`;
}

/** Splits a class body into `"name"?: TYPE;` entries, keeping nested braces and angle brackets whole. */
function classFields(body) {
  const fields = new Map();
  const pattern = /^ {4}"([^"]+)"\??: /gm;
  let match;
  while ((match = pattern.exec(body)) !== null) {
    let depth = 0;
    let end = pattern.lastIndex;
    for (; end < body.length; end++) {
      const c = body[end];
      if (c === "{" || c === "<" || c === "(") depth++;
      else if (c === "}" || c === ">" || c === ")") depth--;
      else if (c === ";" && depth === 0) break;
    }
    fields.set(match[1], body.slice(pattern.lastIndex, end).trim());
    pattern.lastIndex = end;
  }
  return fields;
}

function load(file) {
  let entry = declarations.get(file);
  if (entry) return entry;
  const text = readFileSync(file, "utf8");
  const imports = new Map();
  for (const m of text.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";/gm)) {
    for (const name of m[1].split(",").map((s) => s.trim())) imports.set(name, dtsFor(m[2], file));
  }
  // A definition with properties is a class; a type alias (Quantity, IntOrString, Time, ...) is a leaf.
  const cls = /^export declare class \w+ extends Model<\w+> implements \w+ \{\n([\s\S]*?)^ {4}(?:static|constructor)/m.exec(text);
  entry = { imports, fields: cls ? classFields(cls[1]) : null };
  declarations.set(file, entry);
  return entry;
}

function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Walks `value` along the declared `type` (written in the .d.ts of `file`) and reports undeclared fields. */
function strictType(type, file, value, path, problems) {
  if (value === null || value === undefined) return;
  const array = /^Array<([\s\S]*)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => strictType(array[1].trim(), file, v, `${path}[${i}]`, problems));
    return;
  }
  const map = /^\{\s*\[key: string\]: ([\s\S]*?);\s*\}$/.exec(type);
  if (map) {
    if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) strictType(map[1].trim(), file, v, `${path}.${k}`, problems);
    return;
  }
  if (!/^I\w+$/.test(type)) return; // string, number, boolean, literal unions, the kind/apiVersion literals
  const target = load(file).imports.get(type);
  if (!target || !existsSync(target)) {
    // Never pass silently because the package's layout changed: a type we cannot read is a failure.
    problems.push(`${path}: cannot read the declaration of ${type} (from ${relative(modules, file)})`);
    return;
  }
  strictObject(target, value, path, problems);
}

function strictObject(file, value, path, problems) {
  const { fields } = load(file);
  if (!fields || !isPlainObject(value)) return; // a leaf type; the schema check owns type errors
  for (const [key, v] of Object.entries(value)) {
    const type = fields.get(key);
    if (type === undefined) {
      problems.push(`${path ? `${path}.` : ""}${key}: unknown field (not in the schema: ${[...fields.keys()].join(", ")})`);
      continue;
    }
    strictType(type, file, v, path ? `${path}.${key}` : key, problems);
  }
}

// ---- the documents ----

/** "/spec/containers/0/image" -> "spec.containers[0].image" (the notation of the strict check). */
function fieldPath(pointer) {
  if (!pointer) return "(document)";
  return pointer
    .split("/")
    .slice(1)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), "");
}

function yamlFiles(path) {
  const stat = statSync(path);
  if (stat.isFile()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      const child = join(path, name);
      if (statSync(child).isDirectory()) return name === "node_modules" ? [] : yamlFiles(child);
      return /\.ya?ml$/.test(name) ? [child] : [];
    });
}

function checkKustomization(file, doc, problems) {
  const dir = dirname(file);
  const listed = new Set();
  for (const resource of doc.resources ?? []) {
    listed.add(resource);
    if (!existsSync(join(dir, resource))) problems.push(`resources: ${resource} does not exist`);
  }
  for (const name of readdirSync(dir).sort()) {
    if (/\.ya?ml$/.test(name) && name !== basename(file) && !listed.has(name)) {
      problems.push(`resources: ${name} is beside it but not listed (it would not be deployed)`);
    }
  }
}

async function checkDocument(doc) {
  const problems = [];
  const where = `${doc?.kind ?? "?"}/${doc?.metadata?.name ?? "?"}`;
  if (!isPlainObject(doc)) return { where, problems: ["the document is not a mapping"] };
  const model = modelPath(doc.apiVersion, doc.kind);
  if (!model) return { where, problems: [`unknown apiVersion/kind ${doc.apiVersion}/${doc.kind}`] };
  const module = await import(model);
  const Model = module[doc.kind];
  try {
    new Model(doc).validate();
  } catch (e) {
    // ajv's errors (already localized by validate()): the JSON pointer of the field and the message.
    const errors = Array.isArray(e.errors) ? e.errors : [{ instancePath: "", message: String(e.message) }];
    for (const err of errors) problems.push(`${fieldPath(err.instancePath)}: ${err.message}`);
  }
  const declaration = model.replace(/\.js$/, ".d.ts");
  if (!load(declaration).fields) problems.push(`cannot read the schema's fields of ${doc.kind} (${relative(modules, declaration)})`);
  else strictObject(declaration, doc, "", problems);
  return { where, problems };
}

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error("usage: node validate.mjs PATH...   (manifest files or directories)");
  process.exit(2);
}

let failures = 0;
let checked = 0;
for (const file of paths.flatMap((p) => yamlFiles(resolve(p)))) {
  const shown = relative(process.cwd(), file) || file;
  const documents = parseAllDocuments(readFileSync(file, "utf8"));
  for (const document of documents) {
    if (document.errors.length > 0) {
      for (const e of document.errors) console.error(`${shown}: YAML: ${e.message}`);
      failures += document.errors.length;
      continue;
    }
    const doc = document.toJS();
    if (doc === null || doc === undefined) continue; // an empty document (e.g. after a trailing ---)
    checked++;
    if (doc.apiVersion?.startsWith?.("kustomize.config.k8s.io/") && doc.kind === "Kustomization") {
      const problems = [];
      checkKustomization(file, doc, problems);
      for (const p of problems) console.error(`${shown}: Kustomization: ${p}`);
      failures += problems.length;
      continue;
    }
    const { where, problems } = await checkDocument(doc);
    for (const p of problems) console.error(`${shown}: ${where}: ${p}`);
    failures += problems.length;
  }
}

if (failures > 0) {
  console.error(`manifests: ${failures} problem(s) in ${checked} document(s)`);
  process.exit(1);
}
console.log(`manifests: ${checked} document(s) valid`);
