# -*- Python -*- lit configuration of Tessera's GoogleTest unit tests.
import os

import lit.formats

config.name = "TESSERA-Unit"
config.suffixes = []
config.test_source_root = os.path.join(config.tessera_obj_root, "test", "Unit")
config.test_exec_root = config.test_source_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
