/* The fixed-size types of the i386 guest code (there is no libc to give them). */
#ifndef MODLAB_TYPES_H
#define MODLAB_TYPES_H

typedef unsigned int u32;
typedef int s32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef unsigned int size_t;

#endif
