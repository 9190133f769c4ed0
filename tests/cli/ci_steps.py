"""Reads the CI examples (examples/ci/*.yml, examples/hooks/*.yaml) for the
command tests: checks their structure and prints a job's shell steps as one
script so the test can run them for real.

  ci_steps.py check-github FILE
  ci_steps.py check-gitlab FILE
  ci_steps.py check-k8s FILE
  ci_steps.py check-action FILE
  ci_steps.py github FILE JOB [ACTION]    shell script of the job's run: steps,
                                          with the steps of ACTION (action.yml)
                                          for each step that uses modelseal
  ci_steps.py gitlab FILE JOB [TEMPLATE]  shell script of the job's before_script
                                          and script, with TEMPLATE for the
                                          included modelseal template
"""
import re
import shlex
import sys

import yaml


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def check_github(doc):
    if not isinstance(doc, dict) or "jobs" not in doc:
        fail("no jobs")
    if "on" not in doc and True not in doc:  # PyYAML reads a bare on: as True
        fail("no 'on' trigger")
    jobs = doc["jobs"]
    for name, job in jobs.items():
        if "runs-on" not in job or not isinstance(job.get("steps"), list):
            fail(f"job {name}: needs runs-on and steps")
        for need in [job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs", []):
            if need not in jobs:
                fail(f"job {name}: needs unknown job {need}")
        for step in job["steps"]:
            if ("run" in step) == ("uses" in step):
                fail(f"job {name}: a step must have run or uses")
    if jobs["verify"].get("needs") != "sign" or jobs["deploy"].get("needs") != "verify":
        fail("deploy must depend on verify, verify on sign")
    for name in ("sign", "verify"):
        steps = jobs[name]["steps"]
        checkout = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@")]
        if not checkout or not checkout[0].get("with", {}).get("lfs"):
            fail(f"job {name}: must check out with Git LFS (with: lfs: true)")
        if not any(MODELSEAL_ACTION.match(str(s.get("uses", ""))) for s in steps):
            fail(f"job {name}: must use the modelseal action")
    no_repo_files(doc)


# Files that exist only in the modelseal repository: a copied example must
# not call them.
REPO_ONLY = re.compile(r"(examples|scripts|tests)/[\w./-]+\.(sh|py)")


def no_repo_files(doc):
    text = yaml.safe_dump(doc)
    m = REPO_ONLY.search(text)
    if m:
        fail(f"calls {m.group(0)}, which exists only in the modelseal repository")


def check_action(doc):
    if doc.get("runs", {}).get("using") != "composite":
        fail("not a composite action")
    need_in = {"mode", "model", "key", "trust-file", "policy", "signature", "registry"}
    if not need_in <= set(doc.get("inputs", {})):
        fail(f"inputs lack {sorted(need_in - set(doc['inputs']))}")
    need_out = {"verified", "digest", "verdict"}
    if not need_out <= set(doc.get("outputs", {})):
        fail(f"outputs lack {sorted(need_out - set(doc['outputs']))}")
    ids = {s.get("id") for s in doc["runs"]["steps"]}
    for out in doc["outputs"].values():
        for sid in re.findall(r"steps\.([\w-]+)\.outputs", out["value"]):
            if sid not in ids:
                fail(f"output from unknown step {sid}")


def check_gitlab(doc):
    stages = doc.get("stages")
    if not isinstance(stages, list):
        fail("no stages")
    jobs = {k: v for k, v in doc.items()
            if isinstance(v, dict) and not k.startswith(".") and ("script" in v or "extends" in v)}
    for name, job in jobs.items():
        if job.get("stage") not in stages:
            fail(f"job {name}: unknown stage")
        if not all(isinstance(line, str) for line in job.get("script", [])):
            fail(f"job {name}: script must be a list of strings")
        for need in job.get("needs", []):
            if need not in jobs:
                fail(f"job {name}: needs unknown job {need}")
    if jobs["deploy-model"]["needs"] != ["verify-model"]:
        fail("deploy must depend on verify")
    no_repo_files(doc)


def check_k8s(doc):
    spec = doc["spec"]
    init = spec["initContainers"][0]
    server = spec["containers"][0]
    if init["command"][0] != "modelseal-pre-deploy" or len(init["command"]) != 3:
        fail("the init container must run modelseal-pre-deploy MODEL POLICY")
    if not re.fullmatch(r"[\w.:/-]*/modelseal:[\w.-]+", init["image"]):
        fail("the init container must run the modelseal image (make image)")
    ctx = init.get("securityContext", {})
    if ctx.get("runAsUser") != 65532 or not ctx.get("runAsNonRoot") or not ctx.get("readOnlyRootFilesystem"):
        fail("the init container must run as the image's user 65532, non-root, read-only")
    model = init["command"][1]
    mounts = {m["mountPath"]: m["name"] for m in init["volumeMounts"]}
    served = {m["mountPath"]: m["name"] for m in server["volumeMounts"]}
    if not any(model.startswith(p + "/") and served.get(p) == n for p, n in mounts.items()):
        fail("the model checked must be on a volume the server mounts at the same path")
    volumes = {v["name"] for v in spec["volumes"]}
    if not set(mounts.values()) <= volumes:
        fail("init container mounts an undefined volume")


MODELSEAL_ACTION = re.compile(r"^[\w.-]+/modelseal@[\w.-]+$")
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
# Context values the test provides as environment variables.
GITHUB_VARS = {
    "github.run_number": "GITHUB_RUN_NUMBER",
    "github.action_path": "GITHUB_ACTION_PATH",
    "github.action_repository": "GITHUB_ACTION_REPOSITORY",
    "runner.temp": "RUNNER_TEMP",
}


class Scope:
    """Where ${{ }} expressions are read: a workflow job, or an action's
    steps with its inputs (themselves written in the workflow's scope)."""

    def __init__(self, prefix, inputs=None, outer=None):
        self.prefix, self.inputs, self.outer = prefix, inputs, outer

    def var(self, step, name):
        return re.sub(r"\W", "_", f"{self.prefix}_{step}_{name}")


def dq(text):
    """Literal text inside a double-quoted shell word."""
    return re.sub(r'([\\"$`])', r"\\\1", text)


def expand_expr(e, scope):
    parts = [p.strip() for p in e.split("||")]
    if len(parts) > 1:
        names = [expand_expr(p, scope) for p in parts]
        inner = names[-1]
        for n in reversed(names[:-1]):
            m = re.fullmatch(r"\$\{(\w+)(:-)?\}", n)
            if not m:
                fail(f"unsupported expression {e!r}")
            inner = "${%s:-%s}" % (m.group(1), inner)
        return inner
    m = re.fullmatch(r"(secrets|env)\.(\w+)", e)
    if m:
        return "${%s:-}" % m.group(2)
    if e in GITHUB_VARS:
        return "${%s:-}" % GITHUB_VARS[e]
    m = re.fullmatch(r"inputs\.([\w-]+)", e)
    if m and scope.inputs is not None:
        value = scope.inputs.get(m.group(1))
        if value is None:
            fail(f"unknown input {m.group(1)}")
        return expand(str(value), scope.outer)
    m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", e)
    if m:
        return "${%s:-}" % scope.var(m.group(1), m.group(2))
    fail(f"unsupported expression {e!r}")


def expand(value, scope):
    """A value with ${{ }} expressions as the inside of a double-quoted word."""
    value = str(value)
    out, last = [], 0
    for m in EXPR.finditer(value):
        out.append(dq(value[last:m.start()]))
        out.append(expand_expr(m.group(1), scope))
        last = m.end()
    out.append(dq(value[last:]))
    return "".join(out)


def condition(cond, scope):
    """True, False, or None for 'always()'; only what the examples use."""
    if cond is None:
        return True
    cond = EXPR.sub(lambda m: m.group(1), str(cond)).strip()
    if cond == "always()":
        return True
    m = re.fullmatch(r"inputs\.([\w-]+)\s*(==|!=)\s*'([^']*)'", cond)
    if m and scope.inputs is not None:
        value = str(scope.inputs.get(m.group(1), ""))
        if EXPR.search(value):
            fail(f"condition on an input set by an expression: {cond!r}")
        return (value == m.group(3)) == (m.group(2) == "==")
    fail(f"unsupported condition {cond!r}")


def run_step(step, scope, n, out):
    """A run: step as bash runs it on GitHub, its outputs read back."""
    sid = step.get("id", f"step{n}")
    out.append(f"# step {sid}")
    out.append('export GITHUB_OUTPUT="$STEPS/%s.out"; : >"$GITHUB_OUTPUT"' % scope.var(sid, ""))
    out.append("(")
    for k, v in step.get("env", {}).items():
        out.append(f'export {k}="{expand(v, scope)}"')
    # GitHub puts the value of each ${{ }} into the script's text; here
    # each becomes a variable the step's bash reads.
    exprs = []

    def to_var(m):
        exprs.append(m.group(1))
        return "${MODELSEAL_EXPR_%d}" % (len(exprs) - 1)

    script = EXPR.sub(to_var, step["run"])
    for i, e in enumerate(exprs):
        out.append(f'export MODELSEAL_EXPR_{i}="{expand_expr(e, scope)}"')
    out.append("bash --noprofile --norc -eo pipefail <<'MODELSEAL_STEP'")
    out.append(script)
    out.append("MODELSEAL_STEP")
    out.append(")")
    out.append('while IFS="=" read -r k v; do eval "%s_$(echo "$k" | tr -c "A-Za-z0-9_\\n" _)=\\$v"; done <"$GITHUB_OUTPUT"'
               % scope.var(sid, "").rstrip("_"))


def action_steps(action, step, outer, n, out):
    """The composite action's steps with the step's with: as inputs; its
    outputs become the step's."""
    inputs = {k: v.get("default", "") for k, v in action.get("inputs", {}).items()}
    for k, v in step.get("with", {}).items():
        if k not in inputs:
            fail(f"the modelseal action has no input {k}")
        inputs[k] = v
    scope = Scope(f"A{n}", inputs, outer)
    for i, astep in enumerate(action["runs"]["steps"]):
        if not condition(astep.get("if"), scope):
            out.append(f"# skipped: {astep.get('id', i)} (if: {astep['if']})")
        elif "uses" in astep:
            out.append(f"# skipped: uses {astep['uses']}")
        else:
            run_step(astep, scope, f"{n}_{i}", out)
    sid = step.get("id", f"step{n}")
    for name, o in action.get("outputs", {}).items():
        out.append(f'{outer.var(sid, name)}="{expand(o["value"], scope)}"')


def github_script(doc, job, action_path=None):
    action = load(action_path) if action_path else None
    scope = Scope("S")
    out = ["set -eu", 'STEPS=$(mktemp -d)', "trap 'rm -rf \"$STEPS\"' EXIT"]
    for k, v in doc.get("env", {}).items():
        out.append(f'export {k}="{expand(v, scope)}"')
    for n, step in enumerate(doc["jobs"][job]["steps"]):
        if "uses" in step:
            if action and MODELSEAL_ACTION.match(step["uses"]):
                action_steps(action, step, scope, n, out)
            else:
                out.append(f"# skipped: uses {step['uses']}")
            continue
        run_step(step, scope, n, out)
    return "\n".join(out)


def merge(base, over):
    """GitLab's extends: hashes merge deeply, everything else is replaced."""
    res = dict(base)
    for k, v in over.items():
        res[k] = merge(res[k], v) if isinstance(v, dict) and isinstance(res.get(k), dict) else v
    return res


def resolve(doc, name):
    job = doc[name]
    parents = job.get("extends", [])
    for parent in [parents] if isinstance(parents, str) else parents:
        job = merge(resolve(doc, parent), job)
    return job


def gitlab_script(doc, job, template_path=None):
    includes = doc.get("include", [])
    for inc in includes if isinstance(includes, list) else [includes]:
        remote = inc.get("remote", "") if isinstance(inc, dict) else str(inc)
        if not template_path or not remote.endswith("/" + template_path.rsplit("/", 1)[-1]):
            fail(f"no local copy of the include {inc!r}")
        doc = {**load(template_path), **doc}
    j = resolve(doc, job)
    out = ["set -eu"]
    variables = dict(doc.get("variables", {}))
    variables.update(j.get("variables", {}))
    for k, v in variables.items():
        # GitLab expands $VAR in variable values, and the project's CI/CD
        # variables (here: the environment) override the file's.
        value = re.sub(r'([\\"`])', r"\\\1", str(v))
        out.append(f'export {k}="${{{k}-{value}}}"')
    out.extend(j.get("before_script", []))
    out.extend(j["script"])
    return "\n".join(out)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    doc = load(path)
    if mode.startswith("check-"):
        {"check-github": check_github, "check-gitlab": check_gitlab, "check-k8s": check_k8s,
         "check-action": check_action}[mode](doc)
        print("ok")
    elif mode == "github":
        print(github_script(doc, sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None))
    elif mode == "gitlab":
        print(gitlab_script(doc, sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None))
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
