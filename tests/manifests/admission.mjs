// Evaluates a ValidatingAdmissionPolicy on one admission request, as the API server does, with a real CEL
// implementation (@bufbuild/cel, which passes the cel-spec conformance suite):
//   1. matchConstraints.resourceRules: the request's group, version, resource[/subresource] and operation;
//   2. matchConditions: any false skips the policy, an error applies failurePolicy;
//   3. variables, in order, each seeing the ones before it (an error surfaces where it is used, as the API
//      server evaluates them lazily);
//   4. validations: false denies with messageExpression (else message); an error applies failurePolicy.
// The objects are what the API server hands a policy: unstructured JSON (object and oldObject are dynamic in
// its CEL environment), so a JSON object is a CEL map and an integer a CEL int.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { run, isCelError } from "@bufbuild/cel";

/** The single ValidatingAdmissionPolicy in a manifest file. */
export function loadPolicy(file) {
  const docs = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS());
  const policies = docs.filter((d) => d?.kind === "ValidatingAdmissionPolicy");
  if (policies.length !== 1) throw new Error(`${file}: expected one ValidatingAdmissionPolicy, found ${policies.length}`);
  return policies[0];
}

/** JSON as CEL input: objects become maps, integers ints (bigint), everything else as it is. */
export function cel(value) {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(cel);
  if (typeof value === "object") return new Map(Object.entries(value).map(([k, v]) => [k, cel(v)]));
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  return value;
}

function evaluate(expression, bindings) {
  const result = run(expression, bindings);
  return isCelError(result) ? { error: result.message ?? String(result) } : { value: result };
}

function matchesRules(policy, request) {
  const resource = request.subResource ? `${request.resource.resource}/${request.subResource}` : request.resource.resource;
  return (policy.spec.matchConstraints?.resourceRules ?? []).some(
    (rule) =>
      (rule.apiGroups ?? []).some((g) => g === "*" || g === request.resource.group) &&
      (rule.apiVersions ?? []).some((v) => v === "*" || v === request.resource.version) &&
      (rule.operations ?? []).some((o) => o === "*" || o === request.operation) &&
      (rule.resources ?? []).some((r) => r === "*" || r === resource),
  );
}

/**
 * The policy's decision on one request: { matched, allowed, denials: [{ validation, message }], errors }.
 * `validation` is the index of the validation that denied; an error (which denies under failurePolicy Fail)
 * is listed in errors with its expression.
 */
export function admit(policy, request, object, oldObject) {
  const fail = (policy.spec.failurePolicy ?? "Fail") === "Fail";
  const decision = { matched: false, allowed: true, denials: [], errors: [] };
  if (!matchesRules(policy, request)) return decision;

  const bindings = { request: cel(request), object: cel(object), oldObject: cel(oldObject) };
  for (const condition of policy.spec.matchConditions ?? []) {
    const { value, error } = evaluate(condition.expression, bindings);
    if (error !== undefined) {
      decision.errors.push(`matchCondition ${condition.name}: ${error}`);
      decision.allowed = !fail;
      return decision;
    }
    if (value !== true) return decision;
  }
  decision.matched = true;

  const variables = new Map();
  for (const variable of policy.spec.variables ?? []) {
    const { value, error } = evaluate(variable.expression, { ...bindings, variables: variables });
    // Left unset on error: an expression that reads it fails with "no such key", as it would on the server.
    if (error === undefined) variables.set(variable.name, value);
  }

  (policy.spec.validations ?? []).forEach((validation, index) => {
    const scope = { ...bindings, variables };
    const { value, error } = evaluate(validation.expression, scope);
    if (error !== undefined) {
      decision.errors.push(`validation ${index} (${validation.expression.trim()}): ${error}`);
      if (fail) decision.allowed = false;
      return;
    }
    if (value === true) return;
    let message = validation.message ?? `failed expression: ${validation.expression.trim()}`;
    if (validation.messageExpression) {
      const built = evaluate(validation.messageExpression, scope);
      if (built.error === undefined && typeof built.value === "string" && built.value.trim() !== "") message = built.value;
    }
    decision.denials.push({ validation: index, message });
    decision.allowed = false;
  });
  return decision;
}
