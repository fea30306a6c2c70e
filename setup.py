"""Build of the optional native NDJSON reader (spinecare.bulk._fastread).

Everything else is in pyproject.toml. The extension needs a C++17 compiler and simdjson
(Debian: ``apt-get install g++ libsimdjson-dev``). Without them the build of the
extension is skipped with a warning and bulk screening reads with DuckDB alone.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "spinecare.bulk._fastread",
            sources=["spinecare/bulk/_fastread.cpp"],
            libraries=["simdjson"],
            extra_compile_args=["-std=c++17", "-O2"],
            language="c++",
            optional=True,
        )
    ]
)
