#!/bin/sh
# deploy --target zephyr: a Zephyr module (zephyr/module.yml, CMakeLists.txt, Kconfig,
# the library in src/) with a samples/static_buffer application (prj.conf, sample.yaml).
# No Zephyr tree is needed, only Debian's tools (tools/deps.sh): the YAML files pass
# yamllint and are parsed with python3-yaml, module.yml checked against the keys and types
# of Zephyr's module schema (scripts/zephyr_module.py); the Kconfig file is loaded with
# python3-kconfiglib under a root that declares the Zephyr symbols it and prj.conf use,
# with prj.conf applied (no warning, the library enabled); both
# CMakeLists.txt are run by `cmake -P` with Zephyr's commands stubbed to record and check
# their arguments; the sample's sources are built for Cortex-M4F with arm-none-eabi-gcc
# (-Werror -pedantic; timer.c against a stand-in <zephyr/kernel.h>) and main.c runs on
# the emulated core (the tools/mcu harness) printing the reference kernel's forecast.
. "$ELSTM_ROOT/tests/lib.sh"
suite zephyr
STRICT="-std=c99 -O2 -Wall -Wextra -Werror -pedantic"

"$MM" "$T/a.tflite" -u 20 -i 7 -t 30 -s 1 > "$T/a.ref" || { not_ok "make_model" "failed"; done_suite; }
M="$T/alpha"
check "deploy --target zephyr" "$ELSTM" deploy "$T/a.tflite" --target zephyr --name alpha -o "$M"
missing=""
for f in zephyr/module.yml CMakeLists.txt Kconfig README.md .edgelstm src/alpha.h src/alpha.c src/alpha_model.h \
         src/alpha_inferencing.h src/edgelstm/lstm.h src/edgelstm/device.c samples/static_buffer/CMakeLists.txt \
         samples/static_buffer/prj.conf samples/static_buffer/sample.yaml samples/static_buffer/src/main.c \
         samples/static_buffer/src/timer.c; do
  [ -f "$M/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && ok "module layout: zephyr/module.yml, CMakeLists.txt, Kconfig, src/, samples/static_buffer/" ||
  not_ok "module layout" "missing:$missing"

# Debian's python3 with its python3-yaml and python3-kconfiglib (-I: not the test venv's,
# nor anything PYTHONPATH or the user's site folder would add)
SYSPY=${ELSTM_SYSTEM_PYTHON:-/usr/bin/python3}
need_tools yamllint cmake "$SYSPY"
"$SYSPY" -I -c "import yaml, kconfiglib" 2>"$T/import.err" ||
  { not_ok "Debian's python3-yaml and python3-kconfiglib" "$(tail -1 "$T/import.err"); run tools/deps.sh"; done_suite; }

# ---- YAML: yamllint's default rules but two (a banner line holds the model's path, of
# any length; Zephyr's module files start without "---"), and a broken copy is caught ----
YL="{extends: default, rules: {line-length: disable, document-start: disable}}"
Y1="$M/zephyr/module.yml" Y2="$M/samples/static_buffer/sample.yaml"
yamllint -f parsable -d "$YL" "$Y1" "$Y2" > "$T/yamllint.out" 2>&1 &&
  ok "yamllint: zephyr/module.yml and samples/static_buffer/sample.yaml (no error, no warning)" ||
  not_ok "yamllint" "$(head -3 "$T/yamllint.out" | tr '\n' ' ')"
{ cat "$Y1"; printf 'name: twice\n'; } > "$T/broken.yml"
yamllint -f parsable -d "$YL" "$T/broken.yml" 2>&1 | grep -q "duplication of key \"name\"" &&
  ok "yamllint catches a broken module.yml (a key given twice)" || not_ok "yamllint on a broken copy" "not caught"

# ---- YAML: module.yml against Zephyr's module schema, sample.yaml for Twister ----
if "$SYSPY" -I - "$M" <<'EOF' 2>"$T/yaml.err"
import os, sys, yaml
m = sys.argv[1]
meta = yaml.safe_load(open(os.path.join(m, "zephyr/module.yml")))
# the keys and types of scripts/zephyr_module.py's METADATA_SCHEMA this file uses
assert set(meta) <= {"name", "build", "tests", "samples", "boards", "blobs"}, meta
assert isinstance(meta["name"], str) and meta["name"] == "edgelstm-alpha"
build = meta["build"]
assert set(build) <= {"cmake", "kconfig", "cmake-ext", "kconfig-ext", "depends", "settings"}, build
assert all(isinstance(build[k], str) for k in ("cmake", "kconfig"))
# relative to the module's root, as Zephyr resolves them
assert os.path.isfile(os.path.join(m, build["cmake"], "CMakeLists.txt")), build["cmake"]
assert os.path.isfile(os.path.join(m, build["kconfig"])), build["kconfig"]
assert isinstance(meta["samples"], list) and all(isinstance(s, str) for s in meta["samples"])
for s in meta["samples"]:
    for f in ("CMakeLists.txt", "prj.conf", "sample.yaml"):
        assert os.path.isfile(os.path.join(m, s, f)), (s, f)
sample = yaml.safe_load(open(os.path.join(m, "samples/static_buffer/sample.yaml")))
assert isinstance(sample["sample"]["name"], str) and sample["sample"]["description"]
(test, spec), = sample["tests"].items()
assert test == "sample.edgelstm.alpha.static_buffer" and spec["harness"] == "console"
assert spec["harness_config"]["regex"] == ["run_classifier returned: 0"]
EOF
then ok "zephyr/module.yml fits Zephyr's module schema (paths resolve from the module root); sample.yaml is valid"
else not_ok "module.yml and sample.yaml" "$(tail -2 "$T/yaml.err" | tr '\n' ' ')"; fi

# ---- Kconfig: python3-kconfiglib, with the Zephyr symbols it and prj.conf use ----
kconfig_check() { # MODULE HAS_FPU: prints the symbols' values, fails on any warning
  "$SYSPY" -I - "$1" "$2" <<'EOF'
import os, sys, tempfile, kconfiglib
m, fpu = sys.argv[1], sys.argv[2] == "1"
root = tempfile.NamedTemporaryFile("w", suffix=".Kconfig", delete=False)
# Zephyr's own declarations (lib/libc/Kconfig, arch Kconfig, kernel Kconfig) of the
# symbols used, and its module snippet: the module's Kconfig sourced inside a menu
root.write(f'''mainmenu "test"
config CPU_HAS_FPU
	bool
	default {"y" if fpu else "n"}
config FPU
	bool "Floating point unit"
	depends on CPU_HAS_FPU
config REQUIRES_FULL_LIBC
	prompt "Require complete C library"
	bool
config REQUIRES_FLOAT_PRINTF
	bool "Requires floating point support in printf"
config MAIN_STACK_SIZE
	int "Size of stack for initialization and main thread"
	default 1024
menu "edgelstm-alpha ({m})"
osource "{os.path.join(m, "Kconfig")}"
endmenu
''')
root.close()
k = kconfiglib.Kconfig(root.name, warn_to_stderr=False)
# as Zephyr's scripts/kconfig/kconfig.py: assignments to unknown symbols, overridden or
# redundant ones are warnings, and so is a value that did not take effect
k.warn_assign_undef = k.warn_assign_override = k.warn_assign_redun = True
k.load_config(os.path.join(m, "samples/static_buffer/prj.conf"))
os.unlink(root.name)
for s in k.unique_defined_syms:
    if s.user_value is not None and s.str_value != (kconfiglib.TRI_TO_STR[s.user_value] if s.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE) else s.user_value):
        k.warnings.append(f"{s.name} was set to {s.user_value} but is {s.str_value}")
if k.warnings:
    sys.exit("warnings: " + " | ".join(k.warnings))
print(" ".join(f"{s}={k.syms[s].str_value}" for s in ("EDGELSTM_ALPHA", "REQUIRES_FULL_LIBC", "REQUIRES_FLOAT_PRINTF", "FPU", "MAIN_STACK_SIZE")))
print("prompt:", k.syms["EDGELSTM_ALPHA"].nodes[0].prompt[0])
EOF
}
if out=$(kconfig_check "$M" 1 2>&1) && printf '%s\n' "$out" | grep -qx "EDGELSTM_ALPHA=y REQUIRES_FULL_LIBC=y REQUIRES_FLOAT_PRINTF=y FPU=y MAIN_STACK_SIZE=4096"; then
  ok "Kconfig + prj.conf load in kconfiglib without a warning: the library on, a full C library selected, the FPU used"
else not_ok "Kconfig + prj.conf (kconfiglib)" "$(printf '%s' "$out" | tail -2 | tr '\n' ' ')"; fi
if out=$(kconfig_check "$M" 0 2>&1) && printf '%s\n' "$out" | grep -q "^EDGELSTM_ALPHA=y .* FPU=n "; then
  ok "Kconfig on a core without an FPU: no warning, the library still on (FPU is implied, not selected)"
else not_ok "Kconfig without an FPU" "$(printf '%s' "$out" | tail -2 | tr '\n' ' ')"; fi

# ---- CMake: both files run by cmake -P, Zephyr's commands stubbed and checked ----
cat > "$T/module.cmake" <<'EOF'
# Zephyr's commands as the module's CMakeLists.txt uses them: each checks and records.
cmake_minimum_required(VERSION 3.20)
function(zephyr_library_named name)
  set_property(GLOBAL APPEND PROPERTY R "library=${name}")
endfunction()
function(zephyr_library_sources)
  foreach(f ${ARGN})
    if(NOT EXISTS "${MODULE}/${f}")
      message(FATAL_ERROR "zephyr_library_sources: ${f} does not exist")
    endif()
    set_property(GLOBAL APPEND PROPERTY R "source=${f}")
  endforeach()
endfunction()
function(zephyr_library_compile_options)
  set_property(GLOBAL APPEND PROPERTY R "options=${ARGN}")
endfunction()
function(zephyr_include_directories)
  foreach(d ${ARGN})
    if(NOT IS_DIRECTORY "${MODULE}/${d}")
      message(FATAL_ERROR "zephyr_include_directories: ${d} is not a folder")
    endif()
    set_property(GLOBAL APPEND PROPERTY R "include=${d}")
  endforeach()
endfunction()
set(CMAKE_CURRENT_SOURCE_DIR "${MODULE}")
include("${MODULE}/CMakeLists.txt")
get_property(r GLOBAL PROPERTY R)
message("${r}")
EOF
out=$(cmake -DMODULE="$M" -DCONFIG_EDGELSTM_ALPHA=y -P "$T/module.cmake" 2>&1)
[ "$out" = "library=edgelstm_alpha;source=src/alpha.c;options=-O2;include=src" ] &&
  ok "CMakeLists.txt (cmake -P): with CONFIG_EDGELSTM_ALPHA, library edgelstm_alpha from src/alpha.c, include src" ||
  not_ok "module CMakeLists.txt" "$out"
out=$(cmake -DMODULE="$M" -P "$T/module.cmake" 2>&1)
[ -z "$out" ] && ok "CMakeLists.txt (cmake -P): without CONFIG_EDGELSTM_ALPHA, nothing is built" || not_ok "module CMakeLists.txt, disabled" "$out"
cat > "$T/sample.cmake" <<'EOF'
# Zephyr's and CMake's project commands as the sample uses them: each checks and records.
cmake_minimum_required(VERSION 3.20)
function(find_package name)
  if(NOT name STREQUAL "Zephyr" OR NOT "REQUIRED" IN_LIST ARGN)
    message(FATAL_ERROR "find_package(${name} ${ARGN})")
  endif()
  message("modules=${ZEPHYR_EXTRA_MODULES}")
endfunction()
function(project name)
  message("project=${name}")
endfunction()
function(target_sources target scope)
  foreach(f ${ARGN})
    if(NOT EXISTS "${SAMPLE}/${f}")
      message(FATAL_ERROR "target_sources: ${f} does not exist")
    endif()
  endforeach()
  message("sources=${target} ${scope} ${ARGN}")
endfunction()
function(target_compile_definitions target scope)
  message("definitions=${target} ${scope} ${ARGN}")
endfunction()
set(CMAKE_CURRENT_SOURCE_DIR "${SAMPLE}")
include("${SAMPLE}/CMakeLists.txt")
EOF
out=$(cmake -DSAMPLE="$M/samples/static_buffer" -P "$T/sample.cmake" 2>&1 | tr '\n' '|')
want="modules=$(cd "$M" && pwd)|project=static_buffer|sources=app PRIVATE src/main.c;src/timer.c|definitions=app PRIVATE EI_PORTING_USER_TIMER|"
[ "$out" = "$want" ] && ok "samples/static_buffer/CMakeLists.txt (cmake -P): adds its module, builds src/main.c and src/timer.c" ||
  not_ok "sample CMakeLists.txt" "got '$out', want '$want'"

# ---- the sample's sources for Cortex-M4F, and main.c on the emulated core ----
cortex_m4 arm-none-eabi-nm
S="$M/samples/static_buffer/src"
if arm-none-eabi-gcc $CPU $STRICT -I"$M/src" -c -o "$T/alpha.o" "$M/src/alpha.c" 2>"$T/cc.err" &&
   arm-none-eabi-gcc $CPU $STRICT -DEI_PORTING_USER_TIMER -DEXAMPLE_DIGITS=9 -I"$M/src" -c -o "$T/main.o" "$S/main.c" 2>>"$T/cc.err" &&
   arm-none-eabi-gcc $CPU $STRICT -I"$ELSTM_ROOT/tests/deploy/zephyr" -c -o "$T/timer.o" "$S/timer.c" 2>>"$T/cc.err"; then
  ok "arm-none-eabi-gcc: src/alpha.c, the sample's main.c and timer.c compile for Cortex-M4F ($STRICT)"
else not_ok "the sample's sources for Cortex-M4F" "$(head -3 "$T/cc.err" | tr '\n' ' ')"; fi
defs=$(arm-none-eabi-nm "$T/timer.o" 2>/dev/null | awk '{ print $NF }' | sort | tr '\n' ' ')
case "$defs" in *ei_user_timer_us*k_ticks_to_us_floor64*k_uptime_ticks*) ok "timer.c gives ei_user_timer_us from the kernel's uptime" ;;
  *) not_ok "timer.c symbols" "$defs" ;; esac
m4_link "$T/sample.elf" "$T/main.o" "$T/alpha.o" 2>"$T/link.err"
if run_qemu "$T/sample.elf" "$T/sample.out"; then
  got=$(awk '$1 == "value:" { print $2 }' "$T/sample.out")
  want=$(awk '$1 == "ref" { print $2 }' "$T/a.ref")
  near "$got" "$want" 1e-5 && grep -q '^run_classifier returned: 0$' "$T/sample.out" &&
    ok "QEMU: the sample's main.c prints the reference kernel's forecast (within 1e-5) and the line sample.yaml expects" ||
    not_ok "QEMU: the sample's forecast" "got '$got', want $want: $(tr '\n' '|' < "$T/sample.out" | head -c 300)"
else not_ok "QEMU: the sample runs" "$(cat "$T/link.err" "$T/sample.out" | head -3 | tr '\n' ' ')"; fi
done_suite
