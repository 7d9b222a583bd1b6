#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1796589126.599938	CMlEET8lXMxEGZgvNY	127.0.0.21	54505	127.0.0.22	587	1	guesser.example	alice@guess.example	carol@dest.example	7 Dec 2026 10:00:00 +0000	alice@guess.example	carol@dest.example	-	-	<authguess.1@guess.example>	-	at last	-	-	-	250 2.0.0 Ok: queued as 4AB12C0D3E	127.0.0.22,127.0.0.21	-	F	(empty)	1:GE3C37pP/uIjFtnt3XBSBG7tRJM=
#close	XXXX-XX-XX-XX-XX-XX
