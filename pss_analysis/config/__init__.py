"""The config stage: a run's parameters and its manifest.

- :mod:`~pss_analysis.config.params`: the parameter schema (pydantic models) and :func:`params_to_dict`;
- :mod:`~pss_analysis.config.loading`: :func:`load_params` (read, override, validate, check the data files);
- :mod:`~pss_analysis.config.overrides`: ``--set key=value`` parsing and applying;
- :mod:`~pss_analysis.config.keys`: the valid dotted keys and nearest-key suggestions;
- :mod:`~pss_analysis.config.yamlfile`: reading YAML with dates kept as text;
- :mod:`~pss_analysis.config.manifest`: checksums, the environment and the run manifest;
- :mod:`~pss_analysis.config.database`: database inputs read through SQLAlchemy, and the sha256 of their rows.
"""

from pss_analysis.config.database import read_rows, rows_sha256
from pss_analysis.config.loading import describe_error, load_params
from pss_analysis.config.manifest import (
    environment_info,
    git_commit,
    input_record,
    provisional_manifest,
    read_manifest,
    sha256_file,
    write_manifest,
)
from pss_analysis.config.overrides import apply_overrides, parse_override
from pss_analysis.config.params import FORMATS, RENDERERS, DatabaseSource, Params, params_to_dict
from pss_analysis.config.yamlfile import read_yaml

__all__ = [
    "load_params",
    "describe_error",
    "Params",
    "DatabaseSource",
    "read_rows",
    "rows_sha256",
    "params_to_dict",
    "FORMATS",
    "RENDERERS",
    "parse_override",
    "apply_overrides",
    "read_yaml",
    "sha256_file",
    "environment_info",
    "git_commit",
    "input_record",
    "provisional_manifest",
    "read_manifest",
    "write_manifest",
]
