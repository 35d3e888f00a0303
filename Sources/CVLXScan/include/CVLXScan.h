#ifndef CVLXSCAN_H
#define CVLXSCAN_H

/*
 * The byte classes that the parallel walk's structure scanner and `vlx validate`'s search
 * for repeated keys read, 64 bytes at a time, with the processor's vector instructions
 * where there are some (SSE2 on x86-64). Swift has no portable way to turn a vector
 * comparison into a bit mask (x86's pmovmskb), which is most of this work; the scanners'
 * logic stays in Swift (StructureScanner.swift, DuplicateKeys.swift).
 */

#include <stdint.h>

/* One bit per byte of a 64-byte block, bit i for byte i, for each class of byte. */
typedef struct {
    /* The quotation marks: " */
    uint64_t quotes;
    /* The backslashes. */
    uint64_t backslashes;
    /* The brackets: { } [ ] */
    uint64_t brackets;
    /* The closing brackets: } ] */
    uint64_t closers;
    /* The bytes 0x00 to 0x20: white space and control characters. */
    uint64_t spaces;
    /* The commas. */
    uint64_t commas;
} CVLXScan_Classes;

/* The classes of the 64 bytes at `block`, one byte at a time: the reference the vector
 * version is tested against, and what other processors use. */
static inline CVLXScan_Classes CVLXScan_classifyBytes(const uint8_t *block) {
    CVLXScan_Classes classes = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 64; i++) {
        uint8_t byte = block[i];
        uint64_t bit = (uint64_t)1 << i;
        if (byte == '"') classes.quotes |= bit;
        if (byte == '\\') classes.backslashes |= bit;
        if (byte == '{' || byte == '[') classes.brackets |= bit;
        if (byte == '}' || byte == ']') { classes.brackets |= bit; classes.closers |= bit; }
        if (byte <= 0x20) classes.spaces |= bit;
        if (byte == ',') classes.commas |= bit;
    }
    return classes;
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* The classes of the 64 bytes at `block`, 16 at a time. */
static inline CVLXScan_Classes CVLXScan_classify(const uint8_t *block) {
    CVLXScan_Classes classes = {0, 0, 0, 0, 0, 0};
    const __m128i comma = _mm_set1_epi8(',');
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    /* With bit 0x20 set, [ reads as { and ] as }; no other byte reads as either. */
    const __m128i caseBit = _mm_set1_epi8(0x20);
    const __m128i opener = _mm_set1_epi8('{');
    const __m128i closer = _mm_set1_epi8('}');
    const __m128i space = _mm_set1_epi8(0x20);
    for (int lane = 0; lane < 4; lane++) {
        __m128i bytes = _mm_loadu_si128((const __m128i *)(block + 16 * lane));
        __m128i folded = _mm_or_si128(bytes, caseBit);
        __m128i closes = _mm_cmpeq_epi8(folded, closer);
        __m128i brackets = _mm_or_si128(_mm_cmpeq_epi8(folded, opener), closes);
        /* Unsigned: a byte is at most 0x20 when the larger of it and 0x20 is 0x20. */
        __m128i spaces = _mm_cmpeq_epi8(_mm_max_epu8(bytes, space), space);
        int shift = 16 * lane;
        classes.quotes |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, quote)) << shift;
        classes.backslashes |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, backslash)) << shift;
        classes.brackets |= (uint64_t)(uint16_t)_mm_movemask_epi8(brackets) << shift;
        classes.closers |= (uint64_t)(uint16_t)_mm_movemask_epi8(closes) << shift;
        classes.spaces |= (uint64_t)(uint16_t)_mm_movemask_epi8(spaces) << shift;
        classes.commas |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, comma)) << shift;
    }
    return classes;
}
#else
static inline CVLXScan_Classes CVLXScan_classify(const uint8_t *block) {
    return CVLXScan_classifyBytes(block);
}
#endif

#endif
