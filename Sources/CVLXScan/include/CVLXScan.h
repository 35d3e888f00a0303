#ifndef CVLXSCAN_H
#define CVLXSCAN_H

/*
 * The byte classes that the parallel walk's structure scanner and `vlx validate`'s search
 * for repeated keys read, 64 bytes at a time, with the processor's vector instructions
 * where there are some (SSE2 on x86-64, and AVX2 for the structure scan when the processor
 * has it). Swift has no portable way to turn a vector
 * comparison into a bit mask (x86's pmovmskb), which is most of this work. The structure
 * scanner's loop over blocks is here too (CVLXScan.c), so that it can be compiled for AVX2
 * and chosen at run time; what it reports is read in Swift (StructureScanner.swift, and
 * DuplicateKeys.swift for the repeated-key search, which classifies blocks itself).
 */

#include <stddef.h>
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

/* How the scan below classifies bytes: one at a time, 16 at a time (SSE2, every x86-64),
 * or 32 at a time with a POPCNT instruction (AVX2). */
enum {
    CVLXScan_levelBytes = 0,
    CVLXScan_levelSSE2 = 1,
    CVLXScan_levelAVX2 = 2
};

/* The fastest level this processor has (checked once, with CPUID). */
int CVLXScan_bestLevel(void);

/* The classes of the 64 bytes at `block` at `level` (at most the best level): for tests. */
CVLXScan_Classes CVLXScan_classifyAtLevel(int level, const uint8_t *block);

/* Which bytes of consecutive blocks stand inside strings: what the end of one block leaves
 * open for the next. All zeros at the start of a document. */
typedef struct {
    /* All ones while the bytes read end inside a string, zero outside. */
    uint64_t inString;
    /* 1 when the next byte is escaped: the last byte read was an unpaired backslash. */
    uint64_t nextIsEscaped;
} CVLXScan_Strings;

/* The bytes a backslash escapes in a block of `count` bytes, with whether the next block's
 * first byte is escaped carried in and out. A backslash that is itself escaped escapes
 * nothing. (Out of line: most blocks have no backslash.) */
static __attribute__((noinline, unused))
uint64_t CVLXScan_escapedBytes(uint64_t backslashes, int count, uint64_t *nextIsEscaped) {
    uint64_t escaped = *nextIsEscaped;
    int firstFree = (int)*nextIsEscaped;
    *nextIsEscaped = 0;
    while (backslashes != 0) {
        int position = __builtin_ctzll(backslashes);
        backslashes &= backslashes - 1;
        if (position < firstFree || position >= count) continue;
        if (position == count - 1) {
            *nextIsEscaped = 1;
        } else {
            escaped |= (uint64_t)1 << (position + 1);
        }
        firstFree = position + 2;
    }
    return escaped;
}

/* Reads the next block of `count` bytes (64, or fewer for the last) given the bits of its
 * quotes and backslashes. Returns the bytes inside strings (each opening quote included,
 * each closing quote not), and puts the bytes a backslash escapes in `escaped`. */
static inline __attribute__((always_inline))
uint64_t CVLXScan_readStrings(CVLXScan_Strings *strings, uint64_t quotes, uint64_t backslashes, int count, uint64_t *escaped) {
    *escaped = 0;
    if ((backslashes | strings->nextIsEscaped) != 0) {
        *escaped = CVLXScan_escapedBytes(backslashes, count, &strings->nextIsEscaped);
    }
    /* Inside a string from an opening quote up to its closing quote: a prefix XOR. */
    uint64_t inside = quotes & ~*escaped;
    inside ^= inside << 1;
    inside ^= inside << 2;
    inside ^= inside << 4;
    inside ^= inside << 8;
    inside ^= inside << 16;
    inside ^= inside << 32;
    inside ^= strings->inString;
    strings->inString = (uint64_t)((int64_t)inside >> 63);
    return inside;
}

/* Where a structure scan stands between blocks; all zeros at the start of a document. */
typedef struct {
    CVLXScan_Strings strings;
    /* The depth after the bytes read: brackets outside strings, opening minus closing. */
    int64_t depth;
    /* At least the deepest depth reached since the caller last set it to `depth`. */
    int64_t depthBound;
    /* The bytes read. */
    int64_t offset;
    /* Just past the last byte up to 0x20 read outside a string; 0 when there has been none. */
    int64_t whitespaceEnd;
} CVLXScan_ScanState;

/* The brackets outside strings of one block, bit i for byte i, for the caller to visit. */
typedef struct {
    uint64_t structural;
    uint64_t closers;
} CVLXScan_Brackets;

/*
 * Reads `blockCount` blocks of 64 bytes from `blocks`, the last of which holds `lastCount`
 * bytes of input (1 to 64; the rest must be zeros), at `level`: which bytes are inside
 * strings, and how deep each bracket outside them stands. A block whose closing brackets
 * cannot bring the depth down to `reportedDepth` is counted in one step. The first block
 * whose brackets may (it may then also open one level below) ends the call: its brackets are
 * put in `brackets`, and `state`'s depth and offset stay where that block begins, for the
 * caller to move as it visits them, then past the block. Returns the blocks read, that one
 * included; `brackets->structural` is zero when no block ended the call.
 * (StructureScanner.swift is the caller, and says what the masks mean.)
 */
size_t CVLXScan_scan(int level, CVLXScan_ScanState *state, const uint8_t *blocks, size_t blockCount, int lastCount,
                     int64_t reportedDepth, CVLXScan_Brackets *brackets);

#endif
