"""Bundled Python handlers for lamsim serve and bench, run by the official AWS Lambda runtime
interface client: `python -m awslambdaric app.<handler>` (cwd = this folder).

| handler        | event                                  | what it does                         |
|----------------|----------------------------------------|--------------------------------------|
| app.echo       | anything                               | returns the event                    |
| app.cpu        | {"cpu_ms": 20} or {"iterations": N}    | CPU-bound work                       |
| app.io_wait    | {"wait_ms": 50}                        | waits without using CPU              |
| app.transform  | {"records": [{"category", "amount"}]}  | groups and sums (JSON transform)     |
| app.fail       | anything                               | raises ValueError                    |
| app.context    | anything                               | returns what the runtime was given   |
| app.sqs_worker | an SQS event (`Records[]`)             | fails the messages whose JSON body   |
|                |                                        | has "fail": true, by partial-batch   |
|                |                                        | response (`batchItemFailures`)       |
"""
import hashlib
import json
import os
import time


def echo(event, context):
    return event


def cpu(event, context):
    if "cpu_ms" in event:
        target = float(event["cpu_ms"]) / 1000.0
        start = time.thread_time()
        rounds = 0
        while time.thread_time() - start < target:
            for _ in range(1000):
                pass
            rounds += 1
        return {"cpu_ms": event["cpu_ms"], "rounds": rounds}
    n = int(event["iterations"])
    h = hashlib.sha256()
    for i in range(n):
        h.update(i.to_bytes(8, "little"))
    return {"iterations": n, "digest": h.hexdigest()[:16]}


def io_wait(event, context):
    ms = float(event.get("wait_ms", 50))
    time.sleep(ms / 1000.0)
    return {"waited_ms": ms}


def transform(event, context):
    groups = {}
    for r in event["records"]:
        g = groups.setdefault(r["category"], {"category": r["category"], "count": 0, "total": 0.0})
        g["count"] += 1
        g["total"] += float(r["amount"])
    out = [groups[k] for k in sorted(groups)]
    return {"groups": out, "records": len(event["records"]), "total": sum(g["total"] for g in out)}


def fail(event, context):
    print("about to fail")
    raise ValueError("failed on purpose")


def context(event, context):
    return {
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "region": os.environ.get("AWS_REGION"),
        "handler": os.environ.get("_HANDLER"),
        "task_root": os.environ.get("LAMBDA_TASK_ROOT"),
    }


def sqs_worker(event, context):
    failures = []
    for record in event.get("Records", []):
        try:
            body = json.loads(record["body"])
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("fail"):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
