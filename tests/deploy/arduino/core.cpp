/*
 * core.cpp - the stand-in Arduino core (see Arduino.h): Serial writes to stdout (QEMU
 * semihosting), the clock is the harness's instruction counter, main() runs setup()
 * and one loop().
 */
#include <stdio.h>

#include "Arduino.h"
#include "mcu.h"

HardwareSerial Serial;

void HardwareSerial::begin(unsigned long baud)
{
    (void)baud;
}

size_t HardwareSerial::print(const char *s)
{
    return (size_t)printf("%s", s);
}

size_t HardwareSerial::println(const char *s)
{
    return (size_t)printf("%s\r\n", s);
}

unsigned long millis(void)
{
    return (unsigned long)(elstm_mcu_instructions() / 1000000u);
}

unsigned long micros(void)
{
    return (unsigned long)(elstm_mcu_instructions() / 1000u);
}

void delay(unsigned long ms)
{
    (void)ms;
}

void setup();
void loop();

int main()
{
    setup();
    loop();
    return 0;
}
