import pytest

from plannlp.data import DataError
from plannlp.yamlconfig import read_yaml_config


def test_a_config_that_is_not_utf8_names_the_file(tmp_path):
    # the codec's message once reached the user (crossval, train) without the config's name
    path = tmp_path / "crf.yaml"
    # and then it named the byte, not the line
    path.write_bytes(b"system: crf\nc1: 0.1\nnote: caf\xe9\n")
    with pytest.raises(DataError, match=r"crf\.yaml:3: not UTF-8 text \(invalid continuation byte\)$"):
        read_yaml_config(path, "system", "training")
