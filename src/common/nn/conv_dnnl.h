// conv_dnnl.h: convolutions (forward, backward data, backward weights) on oneDNN for the fast
// CPU backend; the reference code in conv.c is what tests compare them with.
#ifndef INVAR_NN_CONV_DNNL_H
#define INVAR_NN_CONV_DNNL_H

#include "nn/backend.h"

#ifdef INVAR_HAVE_DNNL
// Installs the oneDNN convolutions (and a primitive cache in be->state) into a backend whose
// other operations are set; replaces be->destroy so the cache is released with it.
int conv_dnnl_attach(nn_backend *be);
#endif

#endif
