import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from triage.evaluation import cases, drafts, grounding, guards, offline
from triage.evaluation import text as text_stages
from triage.evaluation.datasets import SPLITS, EvalError, parse_labels, read_csv, read_jsonl
from triage.models import EvaluationCase, EvaluationRun


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def _plain(value) -> str:
    return "–" if value is None else str(value)


def _row(m: dict) -> str:
    return " ".join(
        f"{_fmt(m.get(key)):>9}"
        for key in (
            "accuracy",
            "macro_f1",
            "coverage",
            "accuracy_at_threshold",
            "coverage_at_90",
            "coverage_at_95",
            "calibration_error",
        )
    )


class Command(BaseCommand):
    help = (
        "Evaluate classification on a labelled CSV (train/test split or K folds) in an isolated "
        "knowledge space, "
        "or replay the pipeline on production's evaluation cases (--cases) and compare recorded "
        "runs (--compare A B)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--train", type=Path)
        parser.add_argument("--test", type=Path)
        parser.add_argument("--csv", type=Path)
        parser.add_argument("--folds", type=int)
        parser.add_argument(
            "--text", help="Column(s) joined into the ticket text, e.g. subject,body"
        )
        parser.add_argument(
            "--label",
            action="append",
            default=[],
            help="FIELD=COLUMN with FIELD category or urgency; repeatable",
        )
        parser.add_argument(
            "--oos-label",
            metavar="LABEL",
            help="Rows whose category is LABEL are out of scope: report in-scope accuracy, "
            "out-of-scope recall and precision and the in-scope coverage lost to the judgement, "
            "with the LABEL training rows left out and with them as one more class",
        )
        parser.add_argument("--engine", choices=["local", "openai"], default="local")
        parser.add_argument(
            "--baseline",
            choices=["tfidf"],
            help="Also run a TF-IDF + logistic regression baseline on the same split",
        )
        parser.add_argument("--json", type=Path, dest="json_out")
        parser.add_argument("--html", type=Path, dest="html_out")
        parser.add_argument("--encoding", default="utf-8-sig")
        parser.add_argument(
            "--cases",
            action="store_true",
            help="Replay the current pipeline on the evaluation cases and record a run",
        )
        parser.add_argument("--name", default="", help="With --cases: a name for the run")
        parser.add_argument(
            "--drafts",
            action="store_true",
            help="Draft each --test row from the --train rows (imported as resolved tickets in an "
            "isolated schema) and compare with the reference reply in --answer",
        )
        parser.add_argument("--answer", help="With --drafts: the column with the reply sent")
        parser.add_argument(
            "--group", default="", help="With --drafts: the label column (retrieval hit rate)"
        )
        parser.add_argument(
            "--guards",
            type=Path,
            metavar="FILE.jsonl",
            help="Run the guards on the cases in FILE.jsonl (no database needed) and print "
            "precision and recall per flag code",
        )
        parser.add_argument(
            "--preprocess",
            type=Path,
            nargs="+",
            metavar="FILE.jsonl",
            help="Measure the text stages (reply extraction, personal data, sentiment, injection) "
            "on labelled files; the kind of each file is told by its fields (no database needed)",
        )
        parser.add_argument(
            "--split",
            choices=SPLITS,
            help="With --guards or --preprocess: only the development rows, or only the held-out "
            "ones (a fixed 30 %% of each file, by a hash of the row's id; the held-out rows are "
            "scored without printing any of them)",
        )
        parser.add_argument(
            "--compare",
            nargs=2,
            type=int,
            metavar=("RUN_A", "RUN_B"),
            help="Compare two recorded case runs",
        )

    def handle(self, *args, **o):
        try:
            if o["compare"]:
                return self._compare(*o["compare"])
            if o["cases"]:
                return self._cases(o)
            if o["guards"]:
                return self._guards(o)
            if o["preprocess"]:
                return self._preprocess(o)
            if o["drafts"]:
                return self._drafts(o)
            return self._csv(o)
        except EvalError as exc:
            raise CommandError(str(exc)) from None

    def _csv(self, o):
        if not o["text"]:
            raise EvalError("--text is required (the column or columns holding the ticket text)")
        labels = parse_labels(o["label"])
        columns = [c.strip() for c in o["text"].split(",") if c.strip()]
        baseline = o["baseline"] == "tfidf"
        if o["csv"]:
            if not o["folds"] or o["folds"] < 2:
                raise EvalError("--csv needs --folds K with K of at least 2")
            data = read_csv(o["csv"], text_columns=columns, labels=labels, encoding=o["encoding"])
            with tqdm(total=len(data), unit="tickets", desc="folds", disable=None) as bar:
                result = offline.evaluate_folds(
                    data,
                    folds=o["folds"],
                    engine=o["engine"],
                    baseline=baseline,
                    progress=bar.update,
                    oos_label=o["oos_label"],
                )
            title = f"{o['folds']}-fold evaluation of {o['csv'].name}"
        else:
            if not (o["train"] and o["test"]):
                raise EvalError("give --train and --test, or --csv with --folds, or --cases")
            train = read_csv(
                o["train"], text_columns=columns, labels=labels, encoding=o["encoding"]
            )
            test = read_csv(o["test"], text_columns=columns, labels=labels, encoding=o["encoding"])
            with tqdm(total=len(test), unit="tickets", desc="classify", disable=None) as bar:
                result = offline.evaluate_split(
                    train, test, engine=o["engine"], progress=bar.update, oos_label=o["oos_label"]
                )
            if baseline:
                result["baseline"] = offline.baseline_tfidf(train, test)
            title = f"Evaluation: {o['train'].name} → {o['test'].name}"
        self._print(result)
        if o["json_out"]:
            o["json_out"].write_text(json.dumps(result, indent=2))
            self.stdout.write(f"JSON written to {o['json_out']}")
        if o["html_out"]:
            o["html_out"].write_text(offline.html_report(result, title=title))
            self.stdout.write(f"HTML report written to {o['html_out']}")

    def _guards(self, o):
        rows = read_jsonl(o["guards"])
        if grounding.is_grounding_file(rows):
            return self._grounding(o, rows)
        result = guards.evaluate_file(o["guards"], split=o["split"])
        split = f" ({o['split']} split)" if o["split"] else ""
        self.stdout.write(f"{result['cases']} cases from {o['guards'].name}{split}")
        self.stdout.write(f"{'code':<22} {'precision':>9} {'recall':>9} {'support':>8}")
        for code, m in result["codes"].items():
            self.stdout.write(
                f"{code:<22} {_fmt(m['precision']):>9} {_fmt(m['recall']):>9} {m['support']:>8}"
            )
        for key in ("by_language", "by_author"):
            for group, codes in result.get(key, {}).items():
                shown = ", ".join(
                    f"{code} P {_fmt(m['precision'])} R {_fmt(m['recall'])} ({m['support']})"
                    for code, m in codes.items()
                )
                self.stdout.write(f"  {key[3:]} {group}: {shown}")
        if "clean_flagged" in result:
            self.stdout.write(
                f"  flags on clean agent-written replies: {_fmt(result['clean_flagged'])}"
            )
        if o["split"] != "holdout":
            for miss in result["errors"][:20]:
                self.stdout.write(f"  line {miss['line']}: {miss['what']}")
        if o["json_out"]:
            o["json_out"].write_text(json.dumps(result, indent=2, ensure_ascii=False))
            self.stdout.write(f"JSON written to {o['json_out']}")

    def _grounding(self, o, rows):
        """The fact guard on a public grounding set, beside calling everything unsupported."""
        with tqdm(total=len(rows), unit="rows", desc="grounding", disable=None):
            result = grounding.evaluate_rows(rows)
        names = {"begin": "BEGIN (not attributable)", "wice_claim": "WiCE claims (not supported)"}
        self.stdout.write(
            f"{'set':<32} {'rows':>6} {'':>16} {'precision':>9} {'recall':>7} {'F1':>6}"
        )
        for group, r in result.items():
            for label, m in (
                ("fact guard", r["guard"]),
                ("baseline: all", r["baseline_all_unsupported"]),
            ):
                self.stdout.write(
                    f"{names[group]:<32} {r['rows']:>6} {label:>16} {_fmt(m['precision']):>9} "
                    f"{_fmt(m['recall']):>7} {_fmt(m['f1']):>6}"
                )
        if o["json_out"]:
            o["json_out"].write_text(json.dumps(result, indent=2))
            self.stdout.write(f"JSON written to {o['json_out']}")

    def _preprocess(self, o):
        results = [text_stages.evaluate_file(path, split=o["split"]) for path in o["preprocess"]]
        for result in results:
            if o["split"] == "holdout":  # held-out rows are scored, never shown
                for key in ("misses", "false_masks"):
                    if key in result:
                        result[key] = []
            for line in text_stages.summary_lines(result):
                self.stdout.write(line)
        if o["json_out"]:
            o["json_out"].write_text(json.dumps(results, indent=2, ensure_ascii=False))
            self.stdout.write(f"JSON written to {o['json_out']}")

    def _drafts(self, o):
        if not (o["train"] and o["test"] and o["text"] and o["answer"]):
            raise EvalError("--drafts needs --train, --test, --text and --answer")
        columns = {"text": o["text"], "answer": o["answer"], "label": o["group"] or o["answer"]}
        train = drafts.read_rows(o["train"], **columns)
        test = drafts.read_rows(o["test"], **columns)
        with tqdm(total=len(test), unit="tickets", desc="draft", disable=None) as bar:
            result = drafts.evaluate_drafts(train, test, progress=bar.update)
        self.stdout.write(
            f"{result['n_train']} training rows imported in {result['import_seconds']} s, "
            f"{result['n_test']} test rows, {result['seconds']} s in all"
        )
        modes = list(result["modes"])
        self.stdout.write(f"{'':<28}" + "".join(f"{m:>12}" for m in modes))
        for key in result["modes"][modes[0]]:
            if key == "flags":
                continue
            values = "".join(f"{_plain(result['modes'][m][key]):>12}" for m in modes)
            self.stdout.write(f"{key:<28}{values}")
        for mode in modes:
            flags = ", ".join(f"{c} {v:.3f}" for c, v in result["modes"][mode]["flags"].items())
            self.stdout.write(f"flags ({mode}): {flags or 'none'}")
        self.stdout.write(
            "token_set: rapidfuzz token-set ratio (0-100) to the reply sent; cosine: of the "
            "all-MiniLM-L6-v2 embeddings; baseline: the top source's reply sent as it is"
        )
        if o["json_out"]:
            o["json_out"].write_text(json.dumps(result, indent=2))
            self.stdout.write(f"JSON written to {o['json_out']}")

    def _print(self, result):
        self.stdout.write(
            f"{result['n_train']} training rows, {result['n_test']} test rows, engine "
            f"{result['engine']}, {result['seconds']} s "
            f"({result.get('tickets_per_second')} tickets/s classified)"
        )
        self.stdout.write(
            f"{'field':<10} {'accuracy':>9} {'macro-F1':>9} {'coverage':>9} {'acc@thr':>9} "
            f"{'cov@.90':>9} {'cov@.95':>9} {'ECE':>9}"
        )
        for field, m in result["fields"].items():
            self.stdout.write(f"{field:<10} {_row(m)}")
            base = result.get("baseline", {}).get("fields", {}).get(field)
            if base:
                self.stdout.write(f"{'  tfidf':<10} {_row(base)}")
        self.stdout.write(
            "cov@.90 / cov@.95: the share of tickets that can go without review, most confident "
            "first, while precision stays at 0.90 / 0.95; ECE: expected calibration error (0 when "
            "a confidence of p is right p of the time)"
        )
        if result.get("oos_label"):
            self.stdout.write(
                f"(scores above: the in-scope test rows only; {result['oos_label']!r} rows are out "
                "of scope)"
            )
        names = {
            "judgement": "out-of-scope judgement",
            "without_oos_rows": f"without the {result.get('oos_label')!r} training rows",
            "with_oos_rows": f"with the {result.get('oos_label')!r} training rows as a class",
        }
        for name, m in result.get("scope", {}).items():
            line = (
                f"{names[name]}: in-scope accuracy {_fmt(m['in_scope_accuracy'])} (judged out "
                f"counts as wrong; labels alone {_fmt(m['label_accuracy'])}), in-scope coverage "
                f"lost {_fmt(m['coverage_lost'])}, accuracy of the rest "
                f"{_fmt(m['accuracy_kept'])}"
            )
            if "oos_recall" in m:
                line += (
                    f"; out of scope: recall {_fmt(m['oos_recall'])}, precision "
                    f"{_fmt(m['oos_precision'])} ({m['oos_rows']:.0f} rows)"
                )
            self.stdout.write(line + f"; threshold {m['threshold']}")
        self.stdout.write(
            f"threshold {result['versions']['threshold']}; versions "
            f"{json.dumps(result['versions'])}"
        )

    def _cases(self, o):
        total = EvaluationCase.objects.count()
        if not total:
            raise EvalError(
                "there are no evaluation cases yet: corrections, rejected and heavily edited "
                "drafts become cases"
            )
        with tqdm(total=total, unit="cases", disable=None) as bar:
            run = cases.replay_cases(engine=o["engine"], name=o["name"], progress=bar.update)
        self.stdout.write(f"Run {run.pk}: {run.n} cases in {run.seconds} s")
        for field, s in run.summary.items():
            self.stdout.write(f"  {field:<10} {s['right']}/{s['n']} right ({s['accuracy']:.3f})")
        for case in run.per_case:
            wrong = [
                v["why"] if "why" in v else f"{f}: expected {v.get('expected')}, got {v.get('got')}"
                for f, v in case.items()
                if isinstance(v, dict) and v.get("ok") is False
            ]
            if wrong:
                self.stdout.write(
                    f"  case {case['case']} ({case['origin']}, ticket {case['ticket']}): "
                    + "; ".join(wrong)
                )

    def _compare(self, a, b):
        runs = {r.pk: r for r in EvaluationRun.objects.filter(pk__in=[a, b])}
        missing = [str(x) for x in (a, b) if x not in runs]
        if missing:
            raise EvalError(
                f"no evaluation run {', '.join(missing)}; list them in the dashboard or the admin"
            )
        diff = cases.compare_runs(runs[a], runs[b])
        self.stdout.write(f"Run {a} → run {b}")
        for field, values in diff["fields"].items():
            self.stdout.write(f"  {field:<10} {_fmt(values['before'])} → {_fmt(values['after'])}")
        self.stdout.write(f"  fixed {len(diff['fixed'])}, broken {len(diff['broken'])}")
        for item in diff["broken"]:
            self.stdout.write(
                f"  broke case {item['case']} {item['field']}: {item['before']} → {item['after']}"
            )
        if diff["changed_versions"]:
            self.stdout.write(f"  versions changed: {json.dumps(diff['changed_versions'])}")
