"""The report's pages of a results folder (jmedseg.report), for `measure --report` and `merge --report`."""
from jmedseg.pipelines.results import ResultsFolder
from jmedseg.report import write_reports


def write_pages(out_dir, rows, table_path=None):
    """Each row's page in out_dir/reports/ and, with the cohort table `table_path`, out_dir/index.html.

    The run's settings come from the folder's run.json; returns the paths written (index last).
    """
    folder = ResultsFolder(out_dir)
    return write_reports(folder.path, rows, folder.run_info(), table_path, cohort=table_path is not None)


def describe(paths, cohort):
    """The line the commands print after writing pages."""
    return f"wrote {paths[-1]} and {len(paths) - 1} pages" if cohort else f"wrote {paths[0]}"
