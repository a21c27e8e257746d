/*
 * Arduino.h - a minimal stand-in for the Arduino core, enough to build and run a
 * static_buffer sketch on the emulated Cortex-M4F (tests/deploy/test_mcu.sh): Serial
 * (to the host through semihosting), millis/micros (from the harness's SysTick counter,
 * 1 ns per instruction), delay (returns at once). Not part of any generated library.
 */
#ifndef ARDUINO_STUB_H
#define ARDUINO_STUB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif
unsigned long millis(void);
unsigned long micros(void);
void delay(unsigned long ms);
#ifdef __cplusplus
}

class HardwareSerial {
public:
    void begin(unsigned long baud);
    size_t print(const char *s);
    size_t println(const char *s);
    operator bool() const { return true; }
};
extern HardwareSerial Serial;
#endif

#endif /* ARDUINO_STUB_H */
