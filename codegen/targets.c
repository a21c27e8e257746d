/*
 * targets.c - the deployment targets, one row each (see edgelstm/codegen.h).
 *
 * Every target gets the same library: NAME.h, NAME.c, NAME_inferencing.h, NAME_model.h
 * and the runtime in edgelstm/, all in the row's source folder, and README.md at its
 * root. A row adds the target's own files (templates in codegen/templates/ and where
 * they go), the README's install paragraph, whether the output is a folder or a zip, and
 * whether the folder carries the .edgelstm marker (which lets a later deploy replace
 * it). In paths and paragraphs @NAME@ is the library's name. A new target is a row here
 * plus its templates; `deploy`'s help, its messages and the tests read this table.
 */
#include <stddef.h>
#include <string.h>

#include "internal.h"

static const elstm_target_file c_files[] = {
    {"Makefile.in", "Makefile"},
    {"static_buffer.c.in", "examples/static_buffer.c"},
    {NULL, NULL},
};

static const elstm_target_file arduino_files[] = {
    {"library.properties.in", "library.properties"},
    {"static_buffer.ino.in", "examples/static_buffer/static_buffer.ino"},
    {NULL, NULL},
};

static const elstm_target_file esp_idf_files[] = {
    {"CMakeLists.txt.in", "CMakeLists.txt"},
    {"idf_component.yml.in", "idf_component.yml"},
    {"static_buffer.c.in", "examples/static_buffer.c"},
    {NULL, NULL},
};

static const elstm_target_file platformio_files[] = {
    {"library.json.in", "library.json"},
    {"static_buffer.ino.in", "examples/static_buffer/static_buffer.ino"},
    {NULL, NULL},
};

static const elstm_target_file zephyr_files[] = {
    {"zephyr_module.yml.in", "zephyr/module.yml"},
    {"zephyr_CMakeLists.txt.in", "CMakeLists.txt"},
    {"zephyr_Kconfig.in", "Kconfig"},
    {"zephyr_sample_CMakeLists.txt.in", "samples/static_buffer/CMakeLists.txt"},
    {"zephyr_prj.conf.in", "samples/static_buffer/prj.conf"},
    {"zephyr_sample.yaml.in", "samples/static_buffer/sample.yaml"},
    {"static_buffer.c.in", "samples/static_buffer/src/main.c"},
    {"zephyr_timer.c.in", "samples/static_buffer/src/timer.c"},
    {NULL, NULL},
};

/* The C example's build comment (static_buffer.c.in) of the c and esp-idf targets. */
#define C_EXAMPLE_BUILD \
    "`make` in the library folder (or cc -I. -std=c99 -O2 examples/static_buffer.c\n" \
    " * @NAME@.c -lm); run: ./static_buffer. On ESP-IDF, app_main() is the entry point."

static const elstm_target_desc targets[] = {
    [ELSTM_TARGET_C] = {
        "c", "C", "folder with a Makefile", 0, "", "", c_files,
        "Files: `@NAME@.h` (constants and API), `@NAME@.c` (the one source to compile),\n"
        "`@NAME@_model.h` (weights and scaler, data only), `@NAME@_inferencing.h` (Edge Impulse style\n"
        "API), `edgelstm/` (the runtime, unchanged), `examples/static_buffer.c`. `make` builds\n"
        "`lib@NAME@.a` and `./static_buffer`; in your own build, compile `@NAME@.c` with this folder\n"
        "on the include path and link `-lm`.",
        C_EXAMPLE_BUILD, 1,
    },
    [ELSTM_TARGET_ARDUINO] = {
        "arduino", "Arduino", "library zip", 1, "@NAME@/", "src/", arduino_files,
        "Install: Arduino IDE, Sketch > Include Library > Add .ZIP Library... (or unzip into\n"
        "your `libraries/` folder). Then File > Examples > @NAME@ > static_buffer. The sources are\n"
        "in `src/` (`@NAME@.c` includes the runtime in `src/edgelstm/`).",
        NULL, 0,
    },
    [ELSTM_TARGET_ESP_IDF] = {
        "esp-idf", "ESP-IDF", "component folder", 0, "", "", esp_idf_files,
        "Install: copy this folder to your project's `components/@NAME@`, add `@NAME@` to the\n"
        "`REQUIRES` of your main component, `#include \"@NAME@.h\"`; `idf.py build flash monitor`.\n"
        "`examples/static_buffer.c` is a complete `app_main()`.",
        C_EXAMPLE_BUILD, 1,
    },
    [ELSTM_TARGET_PLATFORMIO] = {
        "platformio", "PlatformIO", "library folder", 0, "", "src/", platformio_files,
        "Install: copy this folder into your project's `lib/` (or add its path to `lib_deps`\n"
        "in `platformio.ini`); `#include <@NAME@.h>`. Only `src/@NAME@.c` is compiled (it includes\n"
        "the runtime in `src/edgelstm/`). `examples/static_buffer/` is an Arduino sketch.",
        NULL, 1,
    },
    {
        "zephyr", "Zephyr", "module folder", 0, "", "src/", zephyr_files,
        "Install: a Zephyr module. List this folder in your west manifest (or in\n"
        "`ZEPHYR_EXTRA_MODULES`), set `CONFIG_EDGELSTM_@NAME_UC@=y` in your `prj.conf`, then\n"
        "`#include \"@NAME@.h\"`. `samples/static_buffer` is a complete application:\n"
        "`west build -b <board> samples/static_buffer`. The sources are in `src/` (`@NAME@.c`\n"
        "includes the runtime in `src/edgelstm/`).",
        "`west build -b <board> samples/static_buffer` in the module's folder\n"
        " * (it adds the module itself); run: `west build -t run` on an emulated board, or flash it.",
        1,
    },
};

int elstm_target_count(void)
{
    return (int)(sizeof targets / sizeof targets[0]);
}

const elstm_target_desc *elstm_target_get(elstm_target t)
{
    return (int)t >= 0 && (int)t < elstm_target_count() ? &targets[t] : NULL;
}

elstm_status elstm_target_parse(const char *s, elstm_target *t)
{
    for (int i = 0; s && i < elstm_target_count(); i++)
        if (strcmp(s, targets[i].name) == 0) {
            *t = (elstm_target)i;
            return ELSTM_OK;
        }
    return ELSTM_ERR_ARG;
}

const char *elstm_target_name(elstm_target t)
{
    const elstm_target_desc *d = elstm_target_get(t);
    return d ? d->name : "?";
}
