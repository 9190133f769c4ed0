"""Reads the CI examples (examples/ci/*.yml, examples/hooks/*.yaml) for the
command tests: checks their structure and prints a job's shell steps as one
script so the test can run them for real.

  ci_steps.py check-github FILE
  ci_steps.py check-gitlab FILE
  ci_steps.py check-k8s FILE
  ci_steps.py github FILE JOB    shell script of the job's run: steps
  ci_steps.py gitlab FILE JOB    shell script of the job's script: lines
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


def check_gitlab(doc):
    stages = doc.get("stages")
    if not isinstance(stages, list):
        fail("no stages")
    jobs = {k: v for k, v in doc.items() if isinstance(v, dict) and "script" in v}
    for name, job in jobs.items():
        if job.get("stage") not in stages:
            fail(f"job {name}: unknown stage")
        if not all(isinstance(line, str) for line in job["script"]):
            fail(f"job {name}: script must be a list of strings")
        for need in job.get("needs", []):
            if need not in jobs:
                fail(f"job {name}: needs unknown job {need}")
    if jobs["deploy-model"]["needs"] != ["verify-model"]:
        fail("deploy must depend on verify")


def check_k8s(doc):
    spec = doc["spec"]
    init = spec["initContainers"][0]
    server = spec["containers"][0]
    if not init["command"][0].endswith("/pre-deploy.sh") or len(init["command"]) != 3:
        fail("the init container must run pre-deploy.sh MODEL POLICY")
    model = init["command"][1]
    mounts = {m["mountPath"]: m["name"] for m in init["volumeMounts"]}
    served = {m["mountPath"]: m["name"] for m in server["volumeMounts"]}
    if not any(model.startswith(p + "/") and served.get(p) == n for p, n in mounts.items()):
        fail("the model checked must be on a volume the server mounts at the same path")
    volumes = {v["name"] for v in spec["volumes"]}
    if not set(mounts.values()) <= volumes:
        fail("init container mounts an undefined volume")


SECRET = re.compile(r"\$\{\{\s*secrets\.([A-Z_][A-Z0-9_]*)\s*\}\}")


def github_env(value):
    """${{ secrets.X }} becomes the test's $X; no other expression is allowed."""
    value = str(value)
    if "${{" in SECRET.sub("", value):
        fail(f"unsupported expression in {value!r}")
    m = SECRET.fullmatch(value.strip())
    return f'"${{{m.group(1)}}}"' if m else shlex.quote(value)


def github_script(doc, job):
    out = ["set -eu"]
    for k, v in doc.get("env", {}).items():
        out.append(f"export {k}={github_env(v)}")
    for step in doc["jobs"][job]["steps"]:
        if "uses" in step:
            out.append(f"# skipped: uses {step['uses']}")
            continue
        out.append("(")
        for k, v in step.get("env", {}).items():
            out.append(f"export {k}={github_env(v)}")
        out.append(step["run"])
        out.append(")")
    return "\n".join(out)


def gitlab_script(doc, job):
    out = ["set -eu"]
    variables = dict(doc.get("variables", {}))
    variables.update(doc[job].get("variables", {}))
    for k, v in variables.items():
        out.append(f"export {k}={shlex.quote(str(v))}")
    out.append("# skipped: before_script (package installs in the job's image)")
    out.extend(doc[job]["script"])
    return "\n".join(out)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    doc = load(path)
    if mode.startswith("check-"):
        {"check-github": check_github, "check-gitlab": check_gitlab, "check-k8s": check_k8s}[mode](doc)
        print("ok")
    elif mode == "github":
        print(github_script(doc, sys.argv[3]))
    elif mode == "gitlab":
        print(gitlab_script(doc, sys.argv[3]))
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
