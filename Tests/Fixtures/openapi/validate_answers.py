"""Validates real answers of the API against the schemas openapi.yaml documents for them.

argv[1]: the document as JSON; argv[2]: a JSON list of answers
{method, path (as OpenAPI writes it), uri, status, contentType, body}. Prints one line per
problem and exits 1 when there is any.
"""
import json
import sys

from jsonschema import Draft202012Validator

document = json.load(open(sys.argv[1]))
answers = json.load(open(sys.argv[2]))
problems = []
for answer in answers:
    where = f'{answer["method"].upper()} {answer["uri"]} -> {answer["status"]}'
    operation = document["paths"][answer["path"]][answer["method"]]
    response = operation["responses"].get(str(answer["status"]))
    if response is None:
        problems.append(f"{where}: status not documented")
        continue
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].split("/")[-1]]
    media = answer["contentType"].split(";")[0].strip()
    content = response.get("content", {})
    if media not in content:
        problems.append(f"{where}: content type {media} not documented (documented: {sorted(content)})")
        continue
    if media != "application/json":
        continue
    root = {"$defs": {"answer": content[media]["schema"]}, "components": document["components"], "$ref": "#/$defs/answer"}
    validator = Draft202012Validator(root)
    for error in sorted(validator.iter_errors(json.loads(answer["body"])), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in error.absolute_path) or "(the body)"
        problems.append(f"{where}: {path}: {error.message[:300]}")
for problem in problems:
    print(problem)
print(f"{len(answers)} answers checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
