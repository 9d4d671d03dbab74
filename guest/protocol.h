/* Generated from harness/protocol.ts by guest/build.ts: do not edit. */
#ifndef MODLAB_PROTOCOL_H
#define MODLAB_PROTOCOL_H
#define ML_PROTOCOL_VERSION 1u
#define ML_MAGIC0 77u
#define ML_MAGIC1 76u
#define ML_HEADER_SIZE 12u
#define ML_TRAILER_SIZE 4u
#define ML_MAX_PAYLOAD 1048576u
#define ML_MAX_ARGS 5u
#define ML_MAX_OUT 524288u
#define ML_NO_UID 4294967295u
#define ML_ACK_EVERY 512u
#define ML_FRAME_TYPE_AT 3u
#define ML_FRAME_ID_AT 4u
#define ML_FRAME_LENGTH_AT 8u
#define ML_CALL_HEAD 12u
#define ML_ARG_HEAD 8u
#define ML_RESULT_HEAD 8u
#define ML_OUT_HEAD 8u
#define ML_LINK_HEAD 4u
#define ML_LINKED_HEAD 12u
#define ML_FILE_HEAD 4u
#define ML_FRAME_READY 1u
#define ML_FRAME_ACK 2u
#define ML_FRAME_CALL 16u
#define ML_FRAME_RESULT 17u
#define ML_FRAME_LINK 18u
#define ML_FRAME_LINKED 19u
#define ML_FRAME_READ 32u
#define ML_FRAME_FILE 33u
#define ML_FRAME_PING 48u
#define ML_FRAME_PONG 49u
#define ML_FRAME_EXIT 64u
#define ML_FRAME_ERROR 127u
#define ML_ARG_VALUE 0u
#define ML_ARG_BUFFER 1u
#define ML_ARG_OUT 2u
#define ML_OUTCOME_RETURNED 0u
#define ML_OUTCOME_KILLED 1u
#define ML_OUTCOME_SETUPFAILED 2u
#endif
