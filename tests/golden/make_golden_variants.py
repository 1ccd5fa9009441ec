#!/usr/bin/python3
"""Writes embedding_variants.txt, which tests/test_embedding_variants.cpp checks ember's
models/embedding_variant_models.h against.

Run with Debian's python (it has torch and numpy):
    /usr/bin/python3 tests/golden/make_golden_variants.py

The format is make_golden.py's (see its docstring). Each case builds one of the seeds'
classes, copied below as the seeds write them, in eval mode (no dropout, no sampling), and
runs it through torch.nn.utils.stateless.functional_call with the case's weights, so the
gradients of the weights land on the stored leaves. `param model NAME` names the class;
inputs with a dot in their name ("word_embeddings.weight") are the module's parameters,
the others (input_ids, offsets, ...) its forward's arguments. PartiallyFrozenEmbedding is
not here: its forward is a plain lookup, and ember's gradient differs from the seed's on
purpose (frozen rows get none). Running this twice gives identical files.
"""
import torch
import torch.nn as nn
from torch.nn.utils.stateless import functional_call

from make_golden import Op

torch.set_num_threads(1)
F = torch.nn.functional


# ---- the seeds' classes (seed 000 "Embedding Bag for Efficient Aggregation", "Custom
# Embedding Layers", "Embedding Regularization", "Loading and Using Pre-trained
# Embeddings"; seed 001 "Embedding Compression") ----

class EmbeddingBagModel(nn.Module):
    def __init__(self, vocab_size, embedding_dim, mode='mean'):
        super(EmbeddingBagModel, self).__init__()
        self.embedding_bag = nn.EmbeddingBag(
            num_embeddings=vocab_size,
            embedding_dim=embedding_dim,
            mode=mode  # 'sum', 'mean', or 'max'
        )

    def forward(self, input_ids, offsets=None):
        return self.embedding_bag(input_ids, offsets)


class PositionalEmbedding(nn.Module):
    def __init__(self, vocab_size, embedding_dim, max_length=5000):
        super(PositionalEmbedding, self).__init__()

        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.position_embeddings = nn.Embedding(max_length, embedding_dim)

        self.LayerNorm = nn.LayerNorm(embedding_dim)
        self.dropout = nn.Dropout(0.1)

    def forward(self, input_ids, position_ids=None):
        seq_length = input_ids.size(1)

        if position_ids is None:
            position_ids = torch.arange(seq_length, dtype=torch.long,
                                        device=input_ids.device)
            position_ids = position_ids.unsqueeze(0).expand_as(input_ids)

        word_embeds = self.word_embeddings(input_ids)
        position_embeds = self.position_embeddings(position_ids)

        embeddings = word_embeds + position_embeds
        embeddings = self.LayerNorm(embeddings)
        embeddings = self.dropout(embeddings)

        return embeddings


class ConditionalEmbedding(nn.Module):
    def __init__(self, vocab_size, embedding_dim, num_conditions):
        super(ConditionalEmbedding, self).__init__()

        self.base_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.condition_embeddings = nn.Embedding(num_conditions, embedding_dim)

        # Learned combination weights
        self.combine_layer = nn.Linear(embedding_dim * 2, embedding_dim)

    def forward(self, input_ids, condition_ids):
        base_embeds = self.base_embeddings(input_ids)
        condition_embeds = self.condition_embeddings(condition_ids)

        # Expand condition embeddings to match input shape
        if len(condition_embeds.shape) < len(base_embeds.shape):
            condition_embeds = condition_embeds.unsqueeze(1).expand_as(base_embeds)

        # Combine embeddings
        combined = torch.cat([base_embeds, condition_embeds], dim=-1)
        output = torch.tanh(self.combine_layer(combined))

        return output


class RegularizedEmbedding(nn.Module):
    def __init__(self, vocab_size, embedding_dim, dropout=0.1,
                 weight_dropout=0.1, alpha=1e-6):
        super(RegularizedEmbedding, self).__init__()

        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.dropout = nn.Dropout(dropout)
        self.weight_dropout = weight_dropout
        self.alpha = alpha  # L2 regularization

    def forward(self, input_ids):
        # Apply weight dropout during training
        if self.training and self.weight_dropout > 0:
            mask = torch.rand_like(self.embedding.weight) > self.weight_dropout
            masked_weight = self.embedding.weight * mask.float()
            embeds = F.embedding(input_ids, masked_weight)
        else:
            embeds = self.embedding(input_ids)

        embeds = self.dropout(embeds)
        return embeds

    def regularization_loss(self):
        """L2 regularization loss"""
        return self.alpha * torch.norm(self.embedding.weight, p=2)


class VariationalEmbedding(nn.Module):
    def __init__(self, vocab_size, embedding_dim, latent_dim=None):
        super(VariationalEmbedding, self).__init__()

        if latent_dim is None:
            latent_dim = embedding_dim // 2

        self.latent_dim = latent_dim

        # Encoder for mean and log-variance
        self.mu_embedding = nn.Embedding(vocab_size, latent_dim)
        self.logvar_embedding = nn.Embedding(vocab_size, latent_dim)

        # Decoder
        self.decoder = nn.Linear(latent_dim, embedding_dim)

    def reparameterize(self, mu, logvar):
        if self.training:
            std = torch.exp(0.5 * logvar)
            eps = torch.randn_like(std)
            return mu + eps * std
        else:
            return mu

    def forward(self, input_ids):
        mu = self.mu_embedding(input_ids)
        logvar = self.logvar_embedding(input_ids)

        z = self.reparameterize(mu, logvar)
        embeds = self.decoder(z)

        # KL divergence loss
        kl_loss = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

        return embeds, kl_loss


class AdaptiveEmbedding(nn.Module):
    def __init__(self, pretrained_embeddings, vocab_size, embedding_dim,
                 adaptation_dim=50):
        super(AdaptiveEmbedding, self).__init__()

        # Frozen pre-trained embeddings
        self.pretrained = nn.Embedding.from_pretrained(
            pretrained_embeddings, freeze=True
        )

        # Learnable adaptation layer
        self.adaptation = nn.Embedding(vocab_size, adaptation_dim)
        self.projection = nn.Linear(embedding_dim + adaptation_dim, embedding_dim)

    def forward(self, input_ids):
        pretrained_embeds = self.pretrained(input_ids)
        adaptive_embeds = self.adaptation(input_ids)

        combined = torch.cat([pretrained_embeds, adaptive_embeds], dim=-1)
        output = self.projection(combined)

        return output


class CompressedEmbedding(nn.Module):
    def __init__(self, vocab_size, embedding_dim, rank):
        super().__init__()
        self.vocab_to_low = nn.Embedding(vocab_size, rank)
        self.low_to_high = nn.Linear(rank, embedding_dim, bias=False)

    def forward(self, x):
        low_dim = self.vocab_to_low(x)
        return self.low_to_high(low_dim)


# ---- the cases ----

def build(g):
    V, D = 7, 3
    bag_weight = ("embedding_bag.weight", g.randn(V, D))
    ids = g.ints(0, V, 8)
    offsets = [0, 3, 5]
    for mode in ("sum", "mean", "max"):
        g.case("bag_" + mode, [("input_ids", ids), ("offsets", offsets), bag_weight],
               model="bag", mode=mode, vocab_size=V, embedding_dim=D)
    g.case("bag_2d_mean", [("input_ids", g.ints(0, V, 2, 4)), bag_weight],
           model="bag", mode="mean", vocab_size=V, embedding_dim=D)

    V, D, L = 6, 4, 5
    positional = [("word_embeddings.weight", g.randn(V, D)),
                  ("position_embeddings.weight", g.randn(L, D)),
                  ("LayerNorm.weight", g.randn(D)), ("LayerNorm.bias", g.randn(D))]
    sizes = dict(model="positional", vocab_size=V, embedding_dim=D, max_length=L)
    g.case("positional", [("input_ids", g.ints(0, V, 2, 3))] + positional, **sizes)
    g.case("positional_ids", [("input_ids", g.ints(0, V, 2, 3)),
                              ("position_ids", g.ints(0, L, 2, 3))] + positional, **sizes)

    V, D, C = 6, 3, 2
    conditional = [("base_embeddings.weight", g.randn(V, D)),
                   ("condition_embeddings.weight", g.randn(C, D)),
                   ("combine_layer.weight", g.randn(D, 2 * D)),
                   ("combine_layer.bias", g.randn(D))]
    sizes = dict(model="conditional", vocab_size=V, embedding_dim=D, num_conditions=C)
    g.case("conditional_per_sequence", [("input_ids", g.ints(0, V, 2, 3)),
                                        ("condition_ids", g.ints(0, C, 2))] + conditional,
           **sizes)
    g.case("conditional_per_token", [("input_ids", g.ints(0, V, 2, 3)),
                                     ("condition_ids", g.ints(0, C, 2, 3))] + conditional,
           **sizes)

    V, D = 5, 3
    g.case("regularized", [("input_ids", g.ints(0, V, 4)), ("embedding.weight", g.randn(V, D))],
           model="regularized", vocab_size=V, embedding_dim=D, alpha=0.01)

    V, D = 5, 4
    g.case("variational", [("input_ids", g.ints(0, V, 2, 3)),
                           ("mu_embedding.weight", g.randn(V, D // 2)),
                           ("logvar_embedding.weight", g.randn(V, D // 2, scale=0.5)),
                           ("decoder.weight", g.randn(D, D // 2)),
                           ("decoder.bias", g.randn(D))],
           model="variational", vocab_size=V, embedding_dim=D)

    V, D, A = 5, 3, 2
    g.case("adaptive", [("input_ids", g.ints(0, V, 4)),
                        ("pretrained.weight", g.randn(V, D)),
                        ("adaptation.weight", g.randn(V, A)),
                        ("projection.weight", g.randn(D, D + A)),
                        ("projection.bias", g.randn(D))],
           model="adaptive", vocab_size=V, embedding_dim=D, adaptation_dim=A)

    V, D, K = 6, 4, 2
    g.case("compressed", [("input_ids", g.ints(0, V, 2, 2)),
                          ("vocab_to_low.weight", g.randn(V, K)),
                          ("low_to_high.weight", g.randn(D, K))],
           model="compressed", vocab_size=V, embedding_dim=D, rank=K)


def make_model(p):
    V, D = p["vocab_size"], p["embedding_dim"]
    name = p["model"]
    if name == "bag":
        return EmbeddingBagModel(V, D, p["mode"])
    if name == "positional":
        return PositionalEmbedding(V, D, p["max_length"])
    if name == "conditional":
        return ConditionalEmbedding(V, D, p["num_conditions"])
    if name == "regularized":
        return RegularizedEmbedding(V, D, alpha=p["alpha"])
    if name == "variational":
        return VariationalEmbedding(V, D)
    if name == "adaptive":
        return AdaptiveEmbedding(torch.zeros(V, D), V, D, p["adaptation_dim"])
    return CompressedEmbedding(V, D, p["rank"])


FORWARD_ARGS = ("input_ids", "offsets", "position_ids", "condition_ids")


def variants_fn(a, p):
    model = make_model(p).double().eval()
    weights = {k: v for k, v in a.items() if "." in k}
    args = tuple(a[k] for k in FORWARD_ARGS if k in a)
    out = functional_call(model, weights, args)
    if p["model"] == "variational":
        return {"embeds": out[0], "kl_loss": out[1]}
    if p["model"] == "regularized":
        # the seed's regularization_loss, on the stored leaf
        return {"out": out, "reg": p["alpha"] * torch.norm(a["embedding.weight"], p=2)}
    return out


def main():
    g = Op("embedding_variants", variants_fn)
    build(g)
    g.write()
    print("wrote embedding_variants.txt")


if __name__ == "__main__":
    main()
