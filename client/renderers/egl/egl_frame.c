/* Frame texture: format mapping and damage-only uploads, through persistently mapped PBOs
 * (GL_EXT_buffer_storage) when available, plain glTexSubImage2D otherwise. The texture is
 * single-buffered, so every upload leaves it complete; the PBOs are only staging memory
 * and only the rects copied into one this time are read back out of it. */
#include "egl_priv.h"

#include "lg/log.h"

#include <string.h>

void egl_frame_init(struct lg_renderer *r)
{
  struct egl_frame *f = &r->frame;
  f->has_bgra_ext = !r->params.no_bgra_ext && egl_gl_has_ext("GL_EXT_texture_format_BGRA8888");
  if (!r->params.no_pbo && egl_gl_has_ext("GL_EXT_buffer_storage"))
    f->buffer_storage = (PFNGLBUFFERSTORAGEEXTPROC)eglGetProcAddress("glBufferStorageEXT");
  f->has_buffer_storage = f->buffer_storage != NULL;
  LG_INFO("egl: BGRA upload %s; frame upload via %s",
          f->has_bgra_ext ? "GL_EXT_texture_format_BGRA8888" : "RGBA + shader swizzle",
          f->has_buffer_storage ? "persistent mapped PBOs (GL_EXT_buffer_storage)"
                                : "glTexSubImage2D from client memory");
}

static void free_pbos(struct egl_frame *f)
{
  for (unsigned i = 0; i < EGL_PBO_COUNT; ++i) {
    if (f->fence[i]) {
      glDeleteSync(f->fence[i]);
      f->fence[i] = NULL;
    }
    if (f->pbo[i]) {
      glBindBuffer(GL_PIXEL_UNPACK_BUFFER, f->pbo[i]);
      glUnmapBuffer(GL_PIXEL_UNPACK_BUFFER);
      glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
      glDeleteBuffers(1, &f->pbo[i]);
      f->pbo[i] = 0;
    }
    f->pbo_map[i] = NULL;
  }
  f->pbo_size = 0;
}

void egl_frame_free(struct lg_renderer *r)
{
  struct egl_frame *f = &r->frame;
  free_pbos(f);
  if (f->tex)
    glDeleteTextures(1, &f->tex);
  f->tex = 0;
  f->valid = false;
}

/* Maps a frame type to its GL upload triple; false for types we cannot show. */
static bool map_format(struct egl_frame *f, uint32_t type)
{
  f->swizzle = false;
  switch (type) {
  case FRAME_TYPE_BGRA:
    f->bpp = 4;
    f->type = GL_UNSIGNED_BYTE;
    if (f->has_bgra_ext) {
      f->internal = GL_BGRA_EXT;
      f->format = GL_BGRA_EXT;
    } else {
      f->internal = GL_RGBA8;
      f->format = GL_RGBA;
      f->swizzle = true;
    }
    return true;
  case FRAME_TYPE_RGBA:
    f->bpp = 4;
    f->internal = GL_RGBA8;
    f->format = GL_RGBA;
    f->type = GL_UNSIGNED_BYTE;
    return true;
  case FRAME_TYPE_RGBA10:
    f->bpp = 4;
    f->internal = GL_RGB10_A2;
    f->format = GL_RGBA;
    f->type = GL_UNSIGNED_INT_2_10_10_10_REV;
    return true;
  case FRAME_TYPE_RGBA16F:
    f->bpp = 8;
    f->internal = GL_RGBA16F;
    f->format = GL_RGBA;
    f->type = GL_HALF_FLOAT;
    return true;
  case FRAME_TYPE_RGB_24:
    f->bpp = 3;
    f->internal = GL_RGB8;
    f->format = GL_RGB;
    f->type = GL_UNSIGNED_BYTE;
    return true;
  default:
    return false;
  }
}

static bool create_pbos(struct egl_frame *f, size_t size)
{
  for (unsigned i = 0; i < EGL_PBO_COUNT; ++i) {
    glGenBuffers(1, &f->pbo[i]);
    glBindBuffer(GL_PIXEL_UNPACK_BUFFER, f->pbo[i]);
    const GLbitfield flags = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT_EXT | GL_MAP_COHERENT_BIT_EXT;
    f->buffer_storage(GL_PIXEL_UNPACK_BUFFER, (GLsizeiptr)size, NULL, flags);
    f->pbo_map[i] = glMapBufferRange(GL_PIXEL_UNPACK_BUFFER, 0, (GLsizeiptr)size, flags);
    if (!f->pbo_map[i]) {
      glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
      LG_WARN("egl: cannot map a %zu byte PBO (0x%x); using plain uploads", size, glGetError());
      free_pbos(f);
      return false;
    }
  }
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
  f->pbo_size = size;
  f->pbo_next = 0;
  return true;
}

bool egl_frame_format(struct lg_renderer *r, const struct lg_frame_format *fmt)
{
  struct egl_frame *f = &r->frame;
  f->valid = false;
  f->has_data = false;
  if (!map_format(f, fmt->type)) {
    LG_ERROR("egl: frame type %u is not supported", fmt->type);
    return false;
  }
  if (!fmt->width || !fmt->height || fmt->data_height > fmt->height ||
      (uint64_t)fmt->pitch < (uint64_t)fmt->width * f->bpp || fmt->pitch % f->bpp != 0 ||
      fmt->stride != fmt->pitch / f->bpp) {
    LG_ERROR("egl: bad frame format %ux%u (rows %u) stride %u pitch %u", fmt->width, fmt->height,
             fmt->data_height, fmt->stride, fmt->pitch);
    return false;
  }
  GLint max_tex = 0;
  glGetIntegerv(GL_MAX_TEXTURE_SIZE, &max_tex);
  if (fmt->width > (uint32_t)max_tex || fmt->height > (uint32_t)max_tex) {
    LG_ERROR("egl: frame %ux%u exceeds GL_MAX_TEXTURE_SIZE %d", fmt->width, fmt->height, max_tex);
    return false;
  }
  f->fmt = *fmt;

  if (f->tex)
    glDeleteTextures(1, &f->tex);
  glGenTextures(1, &f->tex);
  glBindTexture(GL_TEXTURE_2D, f->tex);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
  glTexImage2D(GL_TEXTURE_2D, 0, (GLint)f->internal, (GLsizei)fmt->width, (GLsizei)fmt->height, 0,
               f->format, f->type, NULL);
  GLenum err = glGetError();
  if (err != GL_NO_ERROR) {
    LG_ERROR("egl: cannot allocate the %ux%u frame texture (0x%x)", fmt->width, fmt->height, err);
    return false;
  }

  const size_t size = (size_t)fmt->pitch * fmt->data_height;
  if (f->has_buffer_storage && size != f->pbo_size) {
    free_pbos(f);
    if (size && !create_pbos(f, size))
      f->has_buffer_storage = false;
  }
  f->valid = true;
  LG_INFO("egl: frame format type %u %ux%u pitch %u rotation %u", fmt->type, fmt->width,
          fmt->height, fmt->pitch, fmt->rotation);
  return true;
}

/* Clips a damage rect to the rows and columns present; false if nothing is left. */
static bool clip_rect(const struct lg_frame_format *fmt, const struct frame_damage_rect *in,
                      struct frame_damage_rect *out)
{
  if (in->x >= fmt->width || in->y >= fmt->data_height)
    return false;
  out->x = in->x;
  out->y = in->y;
  out->width = in->width < fmt->width - in->x ? in->width : fmt->width - in->x;
  out->height = in->height < fmt->data_height - in->y ? in->height : fmt->data_height - in->y;
  return out->width && out->height;
}

bool egl_frame_upload(struct lg_renderer *r, const uint8_t *data,
                      const struct frame_damage_rect *rects, uint32_t count)
{
  struct egl_frame *f = &r->frame;
  if (!f->valid || !data)
    return false;
  const struct lg_frame_format *fmt = &f->fmt;
  struct frame_damage_rect full = {0, 0, fmt->width, fmt->data_height};
  /* before the first frame the whole texture is stale */
  if (count == 0 || count > KVMFR_MAX_DAMAGE_RECTS || !f->has_data) {
    rects = &full;
    count = 1;
  }

  const uint8_t *src = data;
  unsigned idx = 0;
  if (f->pbo_size) {
    idx = f->pbo_next;
    f->pbo_next = (f->pbo_next + 1) % EGL_PBO_COUNT;
    if (f->fence[idx]) {
      /* the GPU must be done reading this PBO before we write into it again */
      GLenum w = glClientWaitSync(f->fence[idx], GL_SYNC_FLUSH_COMMANDS_BIT, 1000000000ull);
      if (w == GL_TIMEOUT_EXPIRED || w == GL_WAIT_FAILED)
        LG_WARN_RL("egl: PBO fence wait failed (0x%x)", w);
      glDeleteSync(f->fence[idx]);
      f->fence[idx] = NULL;
    }
    uint8_t *dst = f->pbo_map[idx];
    for (uint32_t i = 0; i < count; ++i) {
      struct frame_damage_rect c;
      if (!clip_rect(fmt, &rects[i], &c))
        continue;
      const size_t row = (size_t)c.width * f->bpp;
      for (uint32_t y = c.y; y < c.y + c.height; ++y) {
        const size_t off = (size_t)y * fmt->pitch + (size_t)c.x * f->bpp;
        memcpy(dst + off, data + off, row);
      }
    }
    glBindBuffer(GL_PIXEL_UNPACK_BUFFER, f->pbo[idx]);
    src = NULL; /* offsets into the bound PBO */
  }

  glBindTexture(GL_TEXTURE_2D, f->tex);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, (GLint)fmt->stride);
  for (uint32_t i = 0; i < count; ++i) {
    struct frame_damage_rect c;
    if (!clip_rect(fmt, &rects[i], &c))
      continue;
    const size_t off = (size_t)c.y * fmt->pitch + (size_t)c.x * f->bpp;
    glTexSubImage2D(GL_TEXTURE_2D, 0, (GLint)c.x, (GLint)c.y, (GLsizei)c.width, (GLsizei)c.height,
                    f->format, f->type,
                    src ? (const void *)(src + off) : (const void *)(uintptr_t)off);
  }
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  if (f->pbo_size) {
    f->fence[idx] = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
  }
  GLenum err = glGetError();
  if (err != GL_NO_ERROR) {
    LG_ERROR_RL("egl: frame upload failed (0x%x)", err);
    return false;
  }
  f->has_data = true;
  return true;
}
